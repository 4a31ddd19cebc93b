"""Exports: printable leaflets (HTML, PDF), CSV/XLSX, HSDS 3.0, data·inclusion and GeoJSON.

Pure domain code: what goes into an export (selection at a date, leaflet sections and numbers,
tabular rows, standard mappings) and the life of an export job. Rendering to bytes (Jinja2,
WeasyPrint, openpyxl, QR codes) lives in the workers (functions/exports/), behind the
``Renderer`` port, so the API's package never carries it. See docs/exports.md.
"""
