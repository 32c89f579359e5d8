"""The static site over everything published under <out>: home page, one landing page per
dataset (Catalan, Spanish and English), SVG charts, sitemap and robots.txt.

Kept import-light: `localret.site.published` (reading <out>) is shared with the catalogue,
the README and the XLSX; `localret.site.build` holds the SITE_WRITER and pulls in Jinja2 and
matplotlib only when it is imported."""
