"""The report's inline style sheet: screen and A4 print, no external resource."""

from __future__ import annotations

__all__ = ["CSS"]

CSS = """
:root{--ink:#1b1b1b;--muted:#555;--rule:#a3a3a3;--head:#e6ecf3;--zebra:#f6f7f9;--accent:#1d3a5f}
*{box-sizing:border-box}
html{font-family:"Times New Roman","Liberation Serif","DejaVu Serif",serif;color:var(--ink);
  font-size:15px;line-height:1.45;background:#fff}
body{margin:0 auto;max-width:1220px;padding:28px 36px 60px}
header.cover{text-align:center;border-bottom:2px solid var(--accent);padding-bottom:12px;
  margin-bottom:8px}
h1{font-size:1.35rem;line-height:1.3;margin:.2em auto .4em;max-width:46em;color:var(--accent)}
.project{font-size:1.15rem;font-weight:bold;margin:.2em 0}
.meta{color:var(--muted);font-size:.85rem;margin:.3em 0 0}
h2{font-size:1.18rem;color:var(--accent);border-bottom:1px solid var(--rule);
  padding-bottom:3px;margin:1.6em 0 .5em}
h3{font-size:.98rem;margin:1.3em 0 .35em}
p.lead{text-align:justify;text-indent:2em;margin:.4em 0 1em}
.note{font-size:.8rem;color:var(--muted);margin:.25em 0 1em;max-width:70em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.8rem;margin:.2em 0 .3em;
  font-variant-numeric:tabular-nums}
th,td{border:1px solid var(--rule);padding:2px 6px;vertical-align:top}
th{background:var(--head);font-weight:bold;text-align:center;vertical-align:middle;
  line-height:1.2}
td.n{text-align:right;white-space:nowrap}
td.t{text-align:left;white-space:nowrap}
tbody tr:nth-child(even) td{background:var(--zebra)}
tr.total td{font-weight:bold;border-top:2px solid #555;background:#edf0f4}
table.headline td.t{min-width:22em}
table.headline td.n{min-width:7em}
table.params td.t:first-child{width:34%}
table.params td{white-space:normal;word-break:break-word}
table.communes td{padding:1px 5px}
figure.map{margin:.6em 0 1em;text-align:center}
figure.map img{max-width:100%;height:auto;border:1px solid var(--rule)}
figcaption{font-size:.85rem;font-style:italic;margin-top:.2em}
nav.toc ul{list-style:none;padding-left:1em;margin:.2em 0}
nav.toc a{color:var(--accent);text-decoration:none}
@page{size:A4 portrait;margin:14mm 12mm 14mm 15mm}
@page wide{size:A4 landscape;margin:11mm 12mm}
@media print{
  html{font-size:10.5pt}
  body{max-width:none;padding:0}
  section{break-before:page}
  section#summary{break-before:auto}
  section.wide{page:wide}
  .scroll{overflow:visible}
  table{font-size:8pt}
  thead{display:table-header-group}
  tr,figure,img{break-inside:avoid}
  h2,h3{break-after:avoid}
  nav.toc a{color:inherit}
  th,td,tr.total td{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""
