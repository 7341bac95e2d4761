"""Real-time text analysis: language identification, personal data (PII) and custom analysers.

Import the modules themselves (this package re-exports nothing, so that masking PII does not load
torch or the language models)::

    from skills_core.analysis.language import LanguageDetector     # lingua, offline
    from skills_core.analysis.pii import PIIDetector, find_pii, mask
    from skills_core.analysis.analysers import Analyser, train_analysers, load_analysers
    from skills_core.analysis.analyzer import TextAnalyzer

    analyzer = TextAnalyzer(detector=LanguageDetector(["en", "zh"]), analysers=train_analysers(skill),
                            pii=PIIDetector())
    for a in analyzer.analyze(texts):
        a.language, a.pii, a.masked, a.analysers["sentiment"].label

Layering: like ``nlu``, this package imports only ``spec``, ``errors`` and ``nlu``; ``runtime``
composes it with the agent.
"""
