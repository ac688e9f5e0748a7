"""Sphinx configuration of the lnsgen documentation (``make docs`` builds build/docs/html).

Pages are Markdown (MyST). Every measured number lives in ``docs/generated/*.md``, which the
pages include; those files are written from report JSON by the table generator, never by hand.
The API pages are autodoc over the installed package, so the build needs lnsgen and its extras
importable (``make setup`` installs them into .venv).
"""

import inspect

import lnsgen

project = "lnsgen"
author = "the lnsgen authors"
copyright = "2026, the lnsgen authors"
release = lnsgen.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
# generated/ and data/ hold fragments that pages include, not pages of their own.
exclude_patterns = ["_build", "generated", "data", "Thumbs.db", ".DS_Store"]

# MyST: ``:::`` fences for directives, definition lists, anchors on headings. Formulas are
# written as text, so the pages need no MathJax (which would load from a CDN).
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# Docstrings are numpydoc ("Parameters", "Attributes", "Raises" sections).
napoleon_google_docstring = False
napoleon_numpy_docstring = True
# "Attributes" as a field list: an ``.. attribute::`` per entry would describe a class attribute
# (``latency``) a second time beside autodoc's own entry.
napoleon_use_ivar = True
napoleon_use_rtype = False

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
# The lnsgen.hdl components subclass amaranth's wiring.Component; their own docstrings say
# everything about their ports, the base class's would only repeat amaranth's documentation.
autodoc_inherit_docstrings = False



def _component_signature(app, what, name, obj, options, signature, return_annotation):
    """Show a component's ``__init__`` parameters: amaranth's ``Elaboratable.__new__``
    (``*args, src_loc_at=0, **kwargs``) would otherwise stand for every class's signature."""
    if what != "class" or not (signature or "").startswith("(*args, src_loc_at=0"):
        return None
    init = inspect.signature(obj.__init__)
    params = list(init.parameters.values())[1:]  # without self
    return str(init.replace(parameters=params, return_annotation=inspect.Signature.empty)), None


def setup(app):
    app.connect("autodoc-process-signature", _component_signature)


html_theme = "furo"
html_title = f"lnsgen {release}"
html_static_path = []
