"""Quality measurements (``zoo eval``): torch-fidelity wiring and the zoo's own feature
extractors (:mod:`~zoo.metrics.fidelity`, :mod:`~zoo.metrics.classifier`), metrics of
generators (:mod:`~zoo.metrics.generation`) and of translators
(:mod:`~zoo.metrics.translation`), and their pictures (:mod:`~zoo.metrics.plots`).
A task picks what to measure; the data source names the extractor (:mod:`zoo.data.sources`).
"""
