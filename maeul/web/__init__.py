"""The web console (staff) and the citizen portal: server-rendered pages (Jinja2, htmx), in Korean and English.

See docs/web.md for how a service adds its pages: :func:`maeul.web.render.render`, the base layouts
``console/base.html`` and ``portal/base.html``, the macros in ``components/``, and the page dependencies in
:mod:`maeul.web.auth`.
"""
