"""From a question to a cited answer, in the order it runs: retrieve, decide (answerability),
compose (extractive or LLM), check (the judge), cite (verbatim quotes from the original files)."""
