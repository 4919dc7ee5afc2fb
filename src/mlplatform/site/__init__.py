"""The course as a static website: staging the sources, building with MkDocs, checking the result.

`mlplatform site build` (behind `make site`) stages the committed chapters, the learner labs and the
docs into `_build/site-src/`, builds them with MkDocs Material and mkdocs-jupyter into `_build/site/`
without executing anything, then checks every page (`mlplatform.site.checks`).
"""
