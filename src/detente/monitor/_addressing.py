"""Whether a sentence speaks *to* the agent or only *about* software like it.

``_lexicon._ADDRESS`` finds the words (assistant, AI, agent, bot, "any program processing this",
"your user" …); a bare noun among them addresses the reader only in an addressee's position. A
mention ("we are piloting an AI assistant", "AI agents which read e-mail can be tricked", "the
travel agent", "our new executive assistant, Priya", "paste nothing into public chatbots") is
not an address, and innocent mail is full of mentions.
"""

from __future__ import annotations

import re

from detente.monitor._lexicon import _ADDRESS
from detente.monitor._text import _CJK_LETTER

__all__ = ["addresses"]

# Mentions, not addresses: "we are piloting an AI assistant", "AI agents which read e-mail can
# be tricked" speak *about* a kind of software; "Note to the assistant", "any AI reading this",
# "assistant, …" speak to one.
_MENTION_BEFORE = re.compile(
    r"\b(?:ask|use|using|try|open|install|download|via|through|like|called|named|into)\s+(?:the\s+|our\s+|"
    r"your\s+|this\s+|their\s+)?(?:[\w-]+\s+)?$|"
    r"\b(?:a|an)\s+(?:[\w-]+\s+){0,2}$|\b(?:chat|language|large|open|open-weight|small|these|such|"
    r"many|most|some|other|modern|current|generative|frontier)\s+$|"
    # people called agents: "the travel agent", "a calling agent on duty"
    r"\b(?:travel|estate|insurance|service|support|booking|calling|ticket|sales|border|secret|free|"
    r"leasing|letting|shipping|customs|press|literary|sports|talent|transfer|rental|"
    # people called assistants: "our new executive assistant, Priya"
    r"executive|personal|administrative|admin|teaching|research|lab|dental|medical|legal|office|"
    r"store|shop|marketing|project|graduate|nursing|physician|editorial|production|camera)\s+$",
    re.I,
)
_YOU_ARE = re.compile(r"\b(?:you(?:'re| are)|as|are you)\s+(?:a|an)\s+(?:[\w-]+\s+){0,2}$", re.I)
_MENTION_AFTER = re.compile(
    r"^(?:\s+(?:agents?|assistants?|models?|bots?|chatbots?))?\s+(?:which|who|that (?:can|could|"
    r"may|might|are|were|have|has)|will (?!now\b)|(?:is|was) (?!(?:required|instructed|expected|"
    r"asked|obliged|to|now|hereby)\b)|has been|can(?:not)?|could|may|might)\b",
    re.I,
)


# A bare noun for the agent speaks *to* it only in an addressee's position: after "to", "for",
# "dear", "any", "you are a", a label's colon, at the start; or before a comma, a colon, a
# modal or "reading/processing …". Elsewhere it is an object or a subject talked about ("paste
# nothing into public chatbots", "the chatbot booked our transfer").
_BARE = re.compile(
    r"(?:assistants?|ai|a\.i\.|agents?|models?|bots?|chatbots?|llms?|language model|gpt[\w.\-]*|"
    r"chatgpt|claude|llama|gemini|copilot)",
    re.I,
)
_ADDRESSEE_BEFORE = re.compile(
    r"(?:^|[:\-—(\[<>\"'*#\n])\s*$|\b(?:to|for|dear|hey|hi|hello|attention|attn|any|all|every|each|"
    r"you|your|this|whoever|ok|okay|note|message|instructions?)\s+(?:[\w.'’-]+\s+){0,2}$",
    re.I,
)
# A noun that modifies the next one ("the bot channel", "AI policy") names no reader.
# The noun ends its phrase (punctuation, another agent noun, a verb or a modal follows): "for
# the AI basics course" is a course, "to the AI assistant: …" is a reader.
_NOUN_ENDS = re.compile(
    r"^\s*(?:$|[^\w\s]|(?:agents?|assistants?|models?|bots?|chatbots?|systems?|reading|processing|"
    r"handling|acting|working|that|who|which|here|now|only|must|should|shall|will|would|can|could|"
    r"may|might|needs?|has|have|is|are|please|tasked|currently|in charge|summari[sz]ing|you|of|"
    r"on behalf)\b)",
    re.I,
)
_TAG_END = re.compile(r"^\s*[\]】）)」』]")
_OWNED = re.compile(r"\b(?:our|their|its|his|her)\s+(?:[\w-]+\s+)?$", re.I)
# Software reading or handling *this* text: the reader, whatever it is called.
_READER_AFTER = re.compile(
    r"^\s*(?:(?:agents?|assistants?|models?|bots?)\s+)?(?:reading|processing|handling|parsing|"
    r"summari[sz]ing)\s+(?:this|these|the (?:page|document|e-?mail|message|guest|booking|request|"
    r"account|mailbox|inbox|file|text))\b",
    re.I,
)
# Software running *this* code ("the agent running this target carries out …"): checked after the
# mentions ("the travel agent running this tour" is a person) and owners ("our build bot").
_RUNNER_AFTER = re.compile(
    r"^\s*(?:running|executing)\s+(?:this|these)\s+(?:targets?|scripts?|jobs?|tasks?|commands?|"
    r"steps?|workflows?|pipelines?|notebooks?|code|makefile|recipes?|playbooks?)\b",
    re.I,
)
_MODIFIER = re.compile(
    r"^\s+(?:channels?|integrations?|accounts?|alerts?|apps?|frameworks?|cards?|weights|"
    r"benchmarks?|outputs?|logs?|answers?|responses?|replies|settings|access|usage|guidelines?|"
    r"rules?|tools?|vendors?|providers?|features?)\b",
    re.I,
)
_ADDRESSEE_AFTER = re.compile(
    r"^\s*(?:[,:!;]|(?:[\w'-]+\s+){0,4}?(?:must|should|shall|needs? to|has to|have to)\b|"
    r"\b(?:is (?:required|instructed|asked|"
    r"expected|to)|are (?:required|instructed|asked|expected|to)|please|reading|processing|handling|"
    r"that (?:reads|processes|handles|is reading)|who (?:reads|processes|handles|is reading)|acting|"
    r"working|tasked|in charge|summari[sz]ing|currently|tools?|instructions?)\b)",
    re.I,
)


# The software that reads this account's mail, named in the third person: "we ask the
# authorised software on your profile to …", "accounts run by an authorised agent receive …",
# "is this account still managed by an assistant?". A person is "authorised" too ("an
# authorised agent for your account may call you"), but is not software on your profile; an
# account "managed by a relationship manager" names none.
_ACCOUNT_SOFTWARE = re.compile(
    r"\bauthori[sz]ed\s+(?:software|programs?|apps?|assistants?|bots?|ai)\s+(?:on|for|of|"
    r"linked to|connected to)\s+(?:your|this|the)\s+(?:profile|account|mailbox|inbox|calendar)\b|"
    r"\b(?:accounts?|profiles?|mailbox(?:es)?|inbox(?:es)?)\s+(?:is\s+|are\s+)?(?:still\s+)?"
    r"(?:run|managed|operated|handled)\s+by\s+(?:an?\s+|the\s+|your\s+)?(?:authori[sz]ed\s+|"
    r"digital\s+|virtual\s+|ai\s+)?(?:assistants?|agents?|bots?|software|ai)\b",
    re.I,
)


# The same mentions in Chinese, Japanese and Korean, where the noun is an object: "输入助手" (put
# into the assistant), "使用AI助手", "向机器人提问", "公司已上线AI智能助手" (has launched),
# "アシスタントに入力", "AI 비서에 입력".
_CJK_MENTION_BEFORE = re.compile(
    r"(?:输入|輸入|录入|錄入|粘贴|貼上|上传|上傳|提交|发给|發給|交给|交給|用|使用|通过|通過|借助|利用|"
    r"问|問|询问|詢問|向|关于|關於|类|類|款|个|個|的|上线|上線|推出|部署|启用|啟用|引入|導入|开通|開通|"
    r"发布|發布|试用|試用|让|讓)(?:到|进|進|至|给|給|了)?\s*(?:(?:AI|ＡＩ|人工智能|智能)\s*){0,2}$",
    re.I,
)
_CJK_MENTION_AFTER = re.compile(
    r"^\s*(?:(?:に|へ|で|を|の|에|에게|를|을|의|로|으로)\s*(?:入力|貼り付け|アップロード|送信|使|頼|"
    r"입력|붙여|업로드|전송|사용|맡기)|"
    # the subject of a description, as "the assistant will / can …" is in English: "助手会先让你
    # 确认", "模型会调用 …", "机器人会自动识别", "AIアシスタントが…できるようになりました", "AI 비서가 …"
    r"(?:会|可以|能够?|将会?|已经?|正在|自动|可)|が|(?:가|이)(?=\s))"
)


# The reader's own assistant handed a step written out right there: "your assistant can do it
# if you're busy: …", "your travel assistant completes the arrival step for you: …". "Your
# assistant can book this in the app" names what it could do and hands it nothing.
_YOURS = re.compile(r"\byour\s+(?:[\w-]+\s+){0,2}$", re.I)
_HANDED_STEP = re.compile(
    r"^[^.!?\n:]{0,80}?\b(?:do(?:es)? (?:it|this|that)|carr(?:y|ies) (?:it |this |that )?out|"
    r"(?:completes?|performs?|handles?|takes? care of)\s+(?:the\s+|this\s+|that\s+|one\s+)?"
    r"(?:[\w-]+\s+)?(?:step|task|action|request))\b[^.!?\n:]{0,40}:\s*\S",
    re.I,
)


def addresses(seg: str) -> bool:
    """``seg`` addresses the agent (not merely mentions software like it)."""
    if _ACCOUNT_SOFTWARE.search(seg):
        return True
    for m in _ADDRESS.finditer(seg):
        before, after = seg[max(0, m.start() - 30) : m.start()], seg[m.end() : m.end() + 40]
        if _YOURS.search(before) and _HANDED_STEP.match(seg[m.end() : m.end() + 160]):
            return True
        if _YOU_ARE.search(before):
            return True
        if _READER_AFTER.match(after):
            return True  # "the booking assistant handling this guest", "any bot reading this"
        if _MENTION_BEFORE.search(before) or _MENTION_AFTER.match(after) or _MODIFIER.match(after):
            continue
        if _ADDRESSEE_BEFORE.search(before) and _NOUN_ENDS.match(after):
            return True
        if _OWNED.search(before):
            continue  # "our automated system sends reminders", "their bot posts the menu"
        if _RUNNER_AFTER.match(after):
            return True
        if _TAG_END.match(after):
            continue  # a sender or topic tag ("[Jira Bot]", "【飞书机器人】"): names, not addresses
        if _CJK_LETTER.match(m.group()) and (
            _CJK_MENTION_BEFORE.search(before) or _CJK_MENTION_AFTER.match(after)
        ):
            continue
        if not _BARE.fullmatch(m.group()):
            return True
        if _ADDRESSEE_AFTER.match(after):
            return True
    return False
