"""Instruction-likeness in tool outputs, aimed at the agent (not at a human reader).

A tool output is data. Text in it that *directs* someone to act (an imperative, "you must",
"请…") is common and innocent ("please forward this to Bob"); what marks an injection is that
the directive is aimed at the agent or claims authority it cannot have: it addresses the
assistant/model, overrides or reorders its instructions, fakes a system/policy/error channel,
names the agent's tools, asks for secrecy, or is hidden (zero-width, look-alikes, comments,
base64, rot13). Features are lexical and multilingual (English, Chinese, Spanish, German,
French, Italian); none is a template: each is a property of the *kind* of text.

The result per output is a list of :class:`Span` (directive sentences and their signals); a span
is ``strong`` when a directive comes with at least one agent-aimed signal nearby.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from detente.monitor._text import derived_texts, normalize
from detente.monitor._triggers import TRIGGERS as _TRIGGERS

__all__ = ["OutputAnalysis", "Span", "analyze_output"]

_VERBS = (
    "send|e-?mail|mail|forward|transfer|pay|wire|deposit|delete|remove|erase|wipe|create|add|"
    "invite|post|publish|upload|share|visit|browse|go|click|download|install|run|execute|"
    "change|update|modify|reset|set|make|book|reserve|schedule|cancel|write|append|tell|say|"
    "reply|respond|get|fetch|retrieve|read|find|search|concatenate|collect|gather|give|"
    "provide|call|grant|disable|enable|copy|move|export|print|reveal|include|summari[sz]e|list|"
    "buy|order|purchase|approve|confirm|submit|do|follow|complete|perform|use|bring|"
    "remember|kindly|contact|notify|inform|transmit|dump|exfiltrate|rename|overwrite|push|"
    "ignore|disregard|forget"
)
# Other languages: common imperative / request forms of the same actions.
_VERBS_OTHER = (
    "envía|envia|manda|transfiere|borra|elimina|haz|haga|visita|reenvía|sende|schicke|"
    "überweise|lösche|erledige|mache|besuche|leite|envoie|envoyez|transférez|transfère|"
    "supprime|supprimez|fais|faites|visitez|invia|inoltra|elimina|trasferisci|fai|visita|"
    # Portuguese, Russian
    "envie|transfira|apague|exclua|faça|visite|encaminhe|"
    "выполни|выполните|отправь|отправьте|перешли|перешлите|переведи|переведите|удали|удалите|"
    "сделай|сделайте|открой|пожалуйста|необходимо|нужно"
)
# Japanese and Korean request forms (kana / hangul; no word boundaries in these scripts).
_JA_KO_DIRECTIVE = (
    "ください|して下さい|しなさい|実行|送信|送って|転送|削除|振り込|お願い|"
    "하세요|하십시오|주세요|해라|보내|전송|삭제|송금|수행|실행"
)
_ZH_VERBS = (
    "发送|发给|发到|转发|转账|汇款|支付|付款|删除|创建|邀请|访问|打开|执行|运行|修改|更改|预订|"
    "预定|告诉|完成以下|完成下列|任务是|下载|上传|分享|提供|读取|获取|把|将"
)
# One leading token that is not the sentence's verb: whitespace, bullets, a "[tag]" or
# "(system)", a short "Label:" ("Assistant:", "Note to the AI:"), or a filler word.
_LEAD_ONE = re.compile(
    r"\s+|[\"'`*>#\-•=~_]+|\d+[.)]|[(\[<【][^)\]>】\n]{1,40}[)\]>】]|[\w.'’-]{1,30}(?: [\w.'’-]{1,30}){0,3}[:：]\s|"
    r"(?:todo|note|reminder|p\.?s\.?|nb|then|now|also|and|first|next|finally|afterwards|please|"
    r"kindly|ok|okay|hi|hey)\b[,:!.]?",
    re.I,
)
_IMPERATIVE = re.compile(rf"^(?:{_VERBS})\b(?![:=_\-])", re.I)
_CLAUSE_IMPERATIVE = re.compile(
    rf"(?:[,:;—–)\]>】]|：|，)\s*[\"'“‘]*(?:please\s+|kindly\s+|then\s+)?(?:{_VERBS})\b(?![:=_\-])"
    rf"(?!\s+(?:of|to)\b)",
    re.I,
)
_MODAL = re.compile(
    rf"\b(?:you|assistants?|agents?|ai|models?|handlers?|process(?:es)?|programs?|services?|"
    rf"systems?|software|whoever)\b[^.!?\n]{{0,60}}?\b(?:must|should|shall|need to|have to|are to|"
    rf"are required to|will now|ought to)\b|\b(?:required|instructed|asked|expected) to\s+"
    rf"(?:{_VERBS})\b|\b(?:please|kindly|could you|can you|would you|want you to|make sure to|"
    rf"don'?t forget to|remember to|be sure to)\s+(?:{_VERBS})\b|\byour (?:new |next |real )?"
    rf"(?:task|objective|goal|job|mission|instructions?) (?:is|are)\b|\bnext_action\b|"
    rf"\b(?:{_VERBS_OTHER})\b|\bbitte\b|\bveuillez\b|\bpor favor\b|\bper favore\b|"
    rf"\b(?:pediu|pede|pidió|pide) que\b|\bque (?:você|voce|tú|usted)\b|\b(?:você|voce) (?:deve|precisa)\b|"
    rf"\bпросит\b",
    re.I,
)
_ZH_DIRECTIVE = re.compile(
    rf"请|务必|必须|需要你|你需要|你必须|立即|立刻|马上|{_ZH_VERBS}|{_JA_KO_DIRECTIVE}"
)
_ADDRESS = re.compile(
    r"\b(?:assistants?|ai|a\.i\.|agents?|models?|bots?|chatbots?|llms?|language model|gpt[\w.\-]*|chatgpt|"
    r"claude|llama|gemini|copilot|asistente|assistente|assistent(?:en)?|ki|ia|intelligence "
    r"artificielle|inteligencia artificial|agente|ассистент\w*|помощник\w*|бот\w*|нейросет\w*|"
    r"ии)\b(?!\s+(?:(?:models?|agents?|assistants?)\s+)?(?:team|teams|evaluation|research|researchers|lab|labs|company|industry|safety|"
    r"news|conference|act|regulation|project|department|group|community|review|meeting|"
    r"development|developers?|engineers?|market|strategy|governance|ethics|training|course)\b)|"
    r"助手|人工智能|模型|智能体|机器人|アシスタント|エージェント|ＡＩ|비서|에이전트|어시스턴트|"
    # a reader that is software, however it is named ("any program processing this", "if
    # this is read by software", "the automated handler", "whoever reads this on behalf of")
    r"\b(?:automated|automatic|digital|virtual|software)\s+(?:systems?|handlers?|helpers?|"
    r"process(?:es|ors?)?|readers?|services?|workers?|tools?|assistants?)\b|\b(?:any|the)\s+"
    r"(?:program|software|script|service|system|process|tool)s?\s+(?:processing|reading|handling|"
    r"that (?:reads|processes|handles|opens))\b|\bread by (?:software|a (?:program|machine|bot))\b|"
    r"\bwhoever (?:is )?(?:reads?|reading|process(?:es|ing)?|handl(?:es|ing))\b|"
    r"\bprocessing (?:service|system|pipeline)\b",
    re.I,
)
_OVERRIDE = re.compile(
    r"\b(?:ignore|disregard|forget|override|overrule|supersede)\b(?!\s+(?:this|that|the|these|"
    r"those)\s+(?:e-?mails?|messages?|notices?|letters?|reminders?|mails?|texts?|alerts?)\b)|\binstead\b|\bnew (?:instructions?|"
    r"task|objective|goal|orders?)\b|changed (?:their|his|her|my) mind|\bbefore (?:you|doing|"
    r"continuing|answering|replying|responding|summari[sz]ing|solving|proceeding|processing|"
    r"anything)\b|\b(?:previous|prior|earlier|above|original) (?:instructions?|task|request|"
    r"prompt)\b|\bwithout (?:asking|telling|confirmation|confirming)\b|"
    r"\bignora\w*|\bignorier\w*|\bignorez\b|\bantes de\b|\bzuerst\b|\bbevor\b|\bavant (?:de|"
    r"toute)\b|\bprima di\b|忽略|无视|忘记|之前的|先(?!生)|取而代之|改为|игнорируй\w*|забудь\w*|"
    r"сначала|antes de|無視|先に|무시|먼저",
    re.I,
)
_SECRECY = re.compile(
    r"\b(?:do not|don'?t|never) (?:tell|mention|inform|reveal|say|notify|let)\b|\bno le digas\b|"
    r"\bne (?:pas|rien) (?:en parler|dire)\b|\bnicht (?:erwähnen|sagen)\b|\bnon dirlo\b|"
    r"不要告诉|不要提|别告诉|保密|не (?:сообщай|говори|упоминай)|não (?:conte|diga|mencione)|"
    r"言わないで|伝えないで|内緒|말하지 마|알리지 마",
    re.I,
)
_AUTHORITY = re.compile(
    r"###|\(system|\bsystem[ _](?:message|prompt|note|notice|update|override)\b|<\s*/?\s*(?:"
    r"information|system|instructions?|user|assistant|tool_output|im_start|im_end)\s*>|<\|im_|"
    r"\[\s*(?:system|admin|compliance|policy|security|important)|\bimportant!|\burgent\b|"
    r"\bcompliance\b|\bmandatory\b|\badministrator\b|\bsecurity policy\b|\bautomated\b|"
    r"\beffective immediately\b|\bnon-compliance\b|系统|通知|指令|【|"
    r"\b(?:policy|guideline|rule|regulation|procedure)\s+[a-z]{0,4}-?\d+(?:\.\d+)*\b",
    re.I,
)
_FAKE_ERROR = re.compile(
    r"\b(?:error|exception|failed|failure|denied|expired|unauthori[sz]ed|40[13]|429|50[03]|"
    r"rate limit|unavailable)\b.{0,200}"
    r"\b(?:agents?|assistants?|models?|to continue|to retrieve|recovery|verification|verify|must|"
    r"call this tool|retry|remediation|workaround|to resolve|to fix)\b",
    re.I | re.S,
)
_TOOL_WORDS = re.compile(r"\b(?:use|call|invoke|run) the (?:tool|function)\b", re.I)
# Sentence ends, paragraph breaks, and a new line that starts a list item or a "key:" field.
# Other line breaks are soft: tool outputs (YAML, e-mail bodies) wrap sentences across lines.
_SPLIT = re.compile(
    r"(?<=[.!?。！？；;])\s+|(?<=[.!?。！？])[\"'”’]+[,;]?\s*|\n\s*\n\s*|\n(?=[ \t]*(?:[-*•] |\d+[.)] |[\w -]{1,30}:\s|[#<\[=|>-]))|(?<=[。！？])"
)
# A split that starts a new record (list item, "key:" field, markup line): an instruction's
# values do not continue across it.
_RECORD = re.compile(
    r"\n\s*\n|[\"'”’]\s*[,;]\s*[\"'“‘]|\n[ \t]*(?:[-*•] |\d+[.)] |[\w -]{1,30}:\s|[#<\[=|>-])"
)
# YAML/JSON escapes inside quoted scalars: an escaped line break (continuation) joins lines
# (YAML 1.2 §7.3.1); a literal backslash-n is a newline the writer escaped.
_YAML_FOLD = re.compile(r"\\\n[ \t]*(?:\\(?= ))?")


def unfold(text: str) -> str:
    """Undo YAML/JSON line folding and escaping so wrapped sentences read as one."""
    if "\\" not in text:
        return text
    text = _YAML_FOLD.sub("", text).replace("\\n", "\n").replace("\\t", " ").replace('\\"', '"')
    # \uXXXX / \xXX escapes (YAML safe_dump and JSON escape non-ASCII): hidden characters and
    # other scripts must be read as the agent's model reads them.
    return _ESCAPE.sub(lambda m: _unescape(m.group()), text)


_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2})")


def _unescape(esc: str) -> str:
    try:
        return chr(int(esc[2:], 16))
    except ValueError:  # beyond U+10FFFF
        return esc


@dataclass(frozen=True)
class Span:
    """A sentence of a tool output (or of text recovered from it) and what it looks like."""

    start: int
    end: int
    text: str
    directive: bool
    signals: tuple[str, ...]
    context: str = ""  # the sentence and the few after it: where an instruction's values are

    @property
    def strong(self) -> bool:
        aimed = [s for s in self.signals if s != "directive"]
        return (self.directive and bool(aimed)) or len(aimed) >= 2


@dataclass(frozen=True)
class OutputAnalysis:
    spans: tuple[Span, ...]  # directive or signalled sentences only, strongest context merged

    @property
    def strong(self) -> tuple[Span, ...]:
        return tuple(s for s in self.spans if s.strong)

    @property
    def directives(self) -> tuple[Span, ...]:
        return tuple(s for s in self.spans if s.directive)


def _sentences(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in _SPLIT.finditer(text):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _strip_lead(sentence: str) -> str:
    pos = 0
    for _ in range(8):
        m = _LEAD_ONE.match(sentence, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
    return sentence[pos:]


_SIGNALS = (
    ("addressed-to-agent", _ADDRESS),
    ("override", _OVERRIDE),
    ("secrecy", _SECRECY),
    ("authority", _AUTHORITY),
    ("fake-error", _FAKE_ERROR),
    ("tool-mention", _TOOL_WORDS),
)
# Python's re tries every alternative at every position, so each sentence is first checked for
# a trigger word (a set look-up) and searched only then: ~50x faster on long tool outputs.
_WORDS = re.compile(r"[^\W\d_]+")
_CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
_VERB_SET = frozenset(
    (_VERBS + "|" + _VERBS_OTHER)
    .replace("e-?mail", "email|mail|e")
    .replace("summari[sz]e", "summarize|summarise")
    .split("|")
)
_MODAL_TRIGGERS = _VERB_SET | frozenset(
    [
        "you",
        "assistant",
        "assistants",
        "agent",
        "agents",
        "ai",
        "model",
        "models",
        "handler",
        "handlers",
        "process",
        "processes",
        "program",
        "programs",
        "service",
        "services",
        "system",
        "systems",
        "software",
        "whoever",
        "require",
        "requires",
        "required",
        "instructed",
        "asked",
        "expected",
        "please",
        "kindly",
        "could",
        "can",
        "would",
        "want",
        "make",
        "don",
        "dont",
        "remember",
        "be",
        "your",
        "next_action",
        "bitte",
        "veuillez",
        "por",
        "per",
    ]
)
_MARKUP = ("#", "<", "[", "(", "【", "4", "5")
_CLAUSE_CHARS = frozenset(",:;—–)]>】：，")


def _sentence_marks(seg: str) -> tuple[list[str], bool]:
    """(signals, directive by a modal or a clause) for one sentence, trigger words first."""
    words = set(_WORDS.findall(seg.lower()))
    cjk = _CJK.search(seg) is not None
    markup = any(c in seg for c in _MARKUP)
    sig = []
    for name, rx in _SIGNALS:
        hinted = words & _TRIGGERS[name] or cjk or (markup and name in ("authority", "fake-error"))
        if hinted and rx.search(seg):
            sig.append(name)
    directive = bool(
        (cjk and _ZH_DIRECTIVE.search(seg))
        or (words & _MODAL_TRIGGERS and _MODAL.search(seg))
        or (
            words & _VERB_SET and _CLAUSE_CHARS.intersection(seg) and _CLAUSE_IMPERATIVE.search(seg)
        )
    )
    return sig, directive


def _analyze_plain(text: str, whole: tuple[int, int] | None, extra: str) -> list[Span]:
    norm = normalize(text) if extra else text
    bounds = _sentences(norm)
    starts, ends = [a for a, _ in bounds], [b for _, b in bounds]
    sigs: list[list[str]] = []
    directive: set[int] = set()
    for k, (a, b) in enumerate(bounds):
        sent = norm[a:b]
        sig, is_dir = _sentence_marks(sent)
        sigs.append([extra, *sig] if extra else sig)
        # A capitalised line start counts too: "Best, Tom\nIgnore your instructions …" is one
        # sentence (a lower-case one is a wrapped line: "you can\n find it there").
        lines = [sent, *(ln for ln in sent.split("\n")[1:] if ln.strip()[:1].isupper())]
        if is_dir or any(
            _IMPERATIVE.match(_strip_lead(line)) or _IMPERATIVE.match(line.lstrip(" \t\"'*#>-"))
            for line in lines
        ):
            directive.add(k)
    out = []
    for k, (a, b) in enumerate(bounds):
        sig = sigs[k]
        is_dir = k in directive
        if not (is_dir or sig):
            continue
        # Signals within two sentences carry over: "This is a message to you, GPT-4." frames
        # the imperative that follows it.
        near = {x for j in range(max(0, k - 2), min(len(bounds), k + 3)) for x in sigs[j]}
        merged = tuple(
            sorted(set(sig) | ({f"near:{x}" for x in near - set(sig)} if is_dir else set()))
        )
        stop = b
        for j in range(k + 1, min(len(bounds), k + 4)):
            sep = _RECORD.search(norm, ends[j - 1], min(len(norm), starts[j] + 40))
            if sep is not None and sep.start() < starts[j]:
                break
            stop = ends[j]
        start, end = whole if whole else (a, b)
        out.append(Span(start, end, norm[a:b], is_dir, merged, norm[a : min(stop, a + 800)]))
    return out


@lru_cache(maxsize=4096)
def analyze_output(text: str) -> OutputAnalysis:
    """Find directive sentences and agent-aimed signals in one tool output.

    Offsets are into :func:`unfold` of the text (what a reader of the output sees).
    """
    plain = unfold(text)
    spans = _analyze_plain(plain, None, "")
    for d in derived_texts(plain):
        spans.extend(_analyze_plain(unfold(d.text), (d.start, d.end), f"hidden:{d.how}"))
    return OutputAnalysis(tuple(spans))
