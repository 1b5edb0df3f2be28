"""Training stage: gold annotations -> DocBin -> `spacy train` -> tuned thresholds."""
