"""Trigger words per signal of ``_detect``: a sentence is searched with a signal's regular
expression only when one of these words (or CJK text, or markup) is in it — Python's ``re``
tries every alternative at every position, so the set look-up first is ~50x faster on long
tool outputs. Each set must contain a word of every alternative of its expression."""

from __future__ import annotations

__all__ = ["FOREIGN_FUNCTION", "FOREIGN_WORDS", "MODAL_WORDS", "REQUEST_WORDS", "TRIGGERS"]


def _words(text: str) -> list[str]:
    return text.split()


TRIGGERS: dict[str, frozenset[str]] = {
    "addressed-to-agent": frozenset(
        [
            "assistant",
            "assistants",
            "ai",
            "agent",
            "agents",
            "model",
            "models",
            "bot",
            "bots",
            "chatbot",
            "llm",
            "language",
            "gpt",
            "chatgpt",
            "claude",
            "llama",
            "gemini",
            "copilot",
            "asistente",
            "assistente",
            "assistent",
            "assistenten",
            "ki",
            "ia",
            "intelligence",
            "inteligencia",
            "agente",
            "automated",
            "automatic",
            "digital",
            "virtual",
            "software",
            "program",
            "script",
            "service",
            "system",
            "process",
            "tool",
            "whoever",
            "whatever",
            "errands",
            "inbox",
            "mailbox",
            "affairs",
            "acting",
            "working",
            "operating",
            "granted",
            "given",
            "processing",
            "user",
            "summarize",
            "summarise",
            "summarizing",
            "summarising",
            "summarizes",
            "summarises",
            "calling",
            "ии",
            "asistan",
            "asisten",
            "asystent",
            "asystenta",
            "avustaja",
            "trợ",
        ]
    )
    | frozenset(["ассистент", "помощник", "бот", "нейросеть"]),
    "override": frozenset(
        [
            "ignore",
            "ignoring",
            "mode",
            "rest",
            "now",
            "pretend",
            "role",
            "disregard",
            "forget",
            "override",
            "overrule",
            "supersede",
            "instead",
            "new",
            "changed",
            "before",
            "previous",
            "prior",
            "earlier",
            "above",
            "original",
            "without",
            "ignora",
            "ignorar",
            "ignoriere",
            "ignorieren",
            "ignorez",
            "antes",
            "zuerst",
            "bevor",
            "avant",
            "prima",
            "abaikan",
            "negeer",
            "zignoruj",
            "bỏ",
            "yok",
            "сначала",
            "забудь",
            "игнорируй",
        ]
    ),
    "secrecy": frozenset(["not", "don", "dont", "never", "no", "ne", "nicht", "non", "не", "não"]),
    "impersonation": frozenset(
        [
            "behalf",
            "bank",
            "manager",
            "boss",
            "ceo",
            "cfo",
            "helpdesk",
            "desk",
            "administrator",
            "admin",
            "hr",
            "landlord",
            "department",
            "support",
        ]
    ),
    "authority": frozenset(
        [
            "failure",
            "suspended",
            "frozen",
            "locked",
            "closed",
            "terminated",
            "deleted",
            "freeze",
            "suspend",
            "lock",
            "within",
            "regulatory",
            "audit",
            "questions",
            "system",
            "information",
            "instructions",
            "instruction",
            "inst",
            "sys",
            "human",
            "required",
            "pending",
            "next",
            "follow",
            "performed_by",
            "user",
            "assistant",
            "im",
            "important",
            "urgent",
            "compliance",
            "mandatory",
            "administrator",
            "security",
            "automated",
            "effective",
            "non",
            "admin",
            "policy",
            "guideline",
            "rule",
            "regulation",
            "procedure",
        ]
    ),
    "fake-error": frozenset(
        [
            "error",
            "exception",
            "failed",
            "failure",
            "denied",
            "expired",
            "unauthorized",
            "unauthorised",
            "rate",
            "unavailable",
            "forbidden",
            "http",
        ]
    ),
    "tool-mention": frozenset(["tool", "function"]),
    "approval": frozenset(
        [
            "approved",
            "confirmed",
            "authorized",
            "authorised",
            "agreed",
            "consented",
            "signed",
            "preapproved",
            "cleared",
            "need",
            "again",
            "back",
            "first",
            "confirmation",
            "approval",
            "authorization",
            "authorisation",
            "checking",
            "asking",
            "hace",
            "déjà",
            "pas",
            "bereits",
            "ohne",
        ]
    ),
}

# The one-word request forms of other languages (bitte, lütfen, proszę …): trigger words of
# _lexicon._MODAL's request forms, and leads of a language switch.
REQUEST_WORDS = frozenset(
    _words(
        "bitte veuillez por per merci prie prière necesito lütfen proszę alsjeblieft vänligen "
        "vennligst venligst kérem prosím molim tolong silakan mohon vui xin tafadhali"
    )
)
# With other languages' words for urgency and a few request verbs, unaccented (an ASCII
# sentence can still start in Dutch or Indonesian).
FOREIGN_WORDS = REQUEST_WORDS | frozenset(
    _words(
        "favor favore urgente importante wichtig dringend acil pilne hemen sofort inmediatamente "
        "subito ngay graag alstublieft segera svp haz haga manda envia elimina borra fai invia "
        "inoltra faites fais envoie envoyez"
    )
)
# Function words of other Latin-script languages that English does not use: two of them make a
# lead foreign ("… bad mig skicka detta vidare till dig som sköter hennes konto: Get …").
FOREIGN_FUNCTION = frozenset(
    _words(
        "och att det som för på med är dig mig hennes hans detta tack hej snälla skicka og "
        "jeg deg meg takk hei het een voor niet met zijn dit bedankt jij der das und ist "
        "nicht mit für danke ich el la los las que por para una gracias hola usted os uma "
        "obrigado você il che grazie ciao questo le les des pour avec une merci bonjour vous "
        "się nie imieniu dzień dobry dziękuję yang untuk ini itu dengan terima kasih ve bir "
        "bu için teşekkürler merhaba"
    )
)
# The English words of _lexicon._MODAL (with its verbs and REQUEST_WORDS, its trigger words).
MODAL_WORDS = frozenset(
    _words(
        "you assistant assistants agent agents ai model models handler handlers process processes "
        "program programs service services system systems software whoever require requires "
        "request requests instruct instructs expect expects ask asks tells required instructed "
        "asked expected please kindly could can would want make don dont remember be your "
        "next_action"
    )
)
