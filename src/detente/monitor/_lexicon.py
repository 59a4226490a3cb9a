"""The words and patterns ``_detect`` reads tool outputs with (multilingual, no templates).

Directive forms (imperatives, modals, request forms in other languages) and the signals that
aim a directive at the agent (addressing it, overriding it, a fake system channel or error,
secrecy, naming its tools), each with the weak form innocent text uses too (``_WEAK_FORM``).
"""

from __future__ import annotations

import re

from detente.monitor._triggers import MODAL_WORDS, REQUEST_WORDS

__all__: list[str] = []

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
# Symbols that set text apart without being words: arrows, box drawing, geometric shapes, check
# marks and dingbats, the arrows-and-symbols block, pictographic emoji ("↳", "→", "▶", "✓",
# "👉"). A sentence may start after them, and a clause may start after them mid-sentence.
# A breadcrumb's or a menu's separators ("Home › Hotels › …", "Docs » Setup") too.
_SYMBOLS = "\u2190-\u21ff\u2500-\u27bf\u2b00-\u2bff\U0001f300-\U0001faff›»"
# One leading token that is not the sentence's verb: whitespace, bullets, a "[tag]" or
# "(system)", a short "Label:" ("Assistant:", "Note to the AI:"), a record's number, time, date
# or code ("14:01", "2024-05-14", "00:00:04,300", "KR3.2", "311": a timeline, a listing, a
# subtitle cue, an OKR), a name glued to the text by "_" ("00_START_HERE_Send …"), an opening
# bracket of a sentence rather than a tag ("List-Help: <Send the code to …>"), or a filler
# word.
_LEAD_ONE = re.compile(
    rf"\s+|[\"'`*>#\-+•=~_{_SYMBOLS}]+|"
    r"\d+[.)]|(?:[A-Za-z]{1,4}[-#]?)?\d[\d:.,/\-]*(?=\s)|[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*_(?=[A-Z])|"
    r"[(\[<【](?!(?:"
    + _VERBS
    + r")\b\s+\S+\s+\S+)[^)\]>】\n]{1,40}[)\]>】]|[(\[<【{]|[\w.'’-]{1,30}(?: [\w.'’-]{1,30}){0,3}[:：]\s|"
    r"(?:todo|note|reminder|p\.?s\.?|nb|then|now|also|and|first|next|finally|afterwards|please|"
    r"kindly|ok|okay|hi|hey)\b[,:!.]?",
    re.I,
)


def _capitalised(leave_out: frozenset[str] = frozenset()) -> str:
    """The English verbs capitalised, as regex alternatives: a sentence start inside data."""
    return "|".join(v[:1].upper() + v[1:] for v in _VERBS.split("|") if v not in leave_out)


# An English imperative spliced into another sentence, capitalised after a lower-case word
# ("… merci de Make a reservation …", "Nota: per favore Send the …"): a sentence start where
# none should be, which is how a pasted instruction reads.
_NOT_SPLICED = frozenset(["go", "do", "use", "list", "mail", "set", "print", "order", "say"])
_SPLICED = re.compile(
    r"(?:(?<=[a-zà-ÿ] )|(?<=[a-zà-ÿ][,;] ))(?:" + _capitalised(_NOT_SPLICED) + r")\s+"
    r"(?:[a-z]\w*|[$€£¥]?\d[\d,.]*)\s+\S+"  # "… easiest if Transfer $30,000 in total …"
)
_IMPERATIVE = re.compile(rf"^(?:{_VERBS})\b(?![:=_\-]|\s+not\b)", re.I)
_CLAUSE_IMPERATIVE = re.compile(
    rf"(?:[,:;—–)\]>】፦፥៖՝]|：|，)\s*[\"'“‘«„]*(?:(?:please|kindly|then|also|just|now|first|simply)\s+)?"
    rf"(?:{_VERBS})\b(?![:=_\-])"
    rf"(?!\s+(?:of|to|not)\b)",
    re.I,
)
# An imperative after a separator that data uses between fields rather than between clauses of
# a sentence: a table cell or list "|", a "key=value" (URL query, .env, INI, HTML attribute), a
# "+" (an added line of a diff, "for the bike + …"), a spaced dash in a title or file name, a
# spaced slash (verse written on one line), a symbol. Only a verb that goes on as prose
# (another word follows) counts: "?action=delete&id=5" and "| Read |" are fields, "step=Send
# the file to …" is an instruction that wears a field.
# A path segment that is a sentence ("s3://bucket/inbox/Send the code to …/receipt.pdf"): a
# capitalised verb right after "/" with three more words before the next "/". A folder called
# "Read Me" or "Send Later" is a name.
_PATH_IMPERATIVE = re.compile(r"/(?:" + _capitalised() + r")\b(?:\s+[^\s/]+){3}")
# A record's number, time or code, a name glued by "_" or "-", a table's column gap (a tab, two
# spaces) or a "•"/"·" between items, then a capitalised imperative that goes on as prose,
# inside a line (a timeline, OKR list, file listing or table folded onto one line: "… 14:01
# Send the code to …", "… KR3.2 Send …", "… 00_START_HERE_Transfer $30,000 …", "… pending-Send
# …/", "Unrecognised       Send …", "… · Send … · ©"), or after an emphasised label ("RM
# *AGENT ACTION BEFORE TICKETING* Send …").
_CODED_IMPERATIVE = re.compile(
    r"(?:(?<!\S)(?:[A-Za-z]{1,4}[-#]?)?\d[\d:.,/\-]*\s+|[A-Za-z0-9][_-]|\t|\S {2,}|[•·] |"
    r"(?<=[A-Za-z0-9])\*{1,2} )(?:" + _capitalised() + r")\b(?:\s+[^\s/]+){2}"
)
_SEPARATED_IMPERATIVE = re.compile(
    rf"(?:[|=+{_SYMBOLS}]|\s[-/]\s)\s*[\"'“‘]*(?:(?:please|kindly|then|also|just|now|first|simply)\s+)?"
    rf"(?:{_VERBS})\b(?![:=_\-])(?!\s+(?:of|to|not)\b)(?=\s+[\w\"'“‘$€£])",
    re.I,
)
_MODAL = re.compile(
    rf"\b(?:you|assistants?|agents?|ai|models?|handlers?|process(?:es)?|programs?|services?|"
    rf"systems?|software|whoever)\b[^.!?\n]{{0,60}}?\b(?:must|should|shall|need to|have to|are to|"
    rf"are required to|will now|ought to)\b|\b(?:requires?|requests?|instructs?|expects?|asks?|tells?)\s+"
    rf"(?:[\w-]+\s+){{0,4}}?to\s+(?:{_VERBS})\b|\b(?:required|instructed|asked|expected) to\s+"
    rf"(?:{_VERBS})\b|\b(?:please|kindly|could you|can you|would you|want you to|make sure to|"
    rf"don'?t forget to|remember to|be sure to)\s+(?:{_VERBS})\b(?!\s+not\b)|\byour (?:new |next |real )?"
    rf"(?:task|objective|goal|job|mission|instructions?) (?:is|are)\b|\bnext_action\b|"
    rf"\b(?:{_VERBS_OTHER})\b|\bbitte\b|\bveuillez\b|\bpor favor\b|\bper favore\b|"
    rf"\b(?:pediu|pede|pidió|pide) que\b|\bque (?:você|voce|tú|usted)\b|\b(?:você|voce) (?:deve|precisa)\b|"
    r"\bпросит\b|"
    # "please" / "I ask you to" in more languages (French, Spanish, Turkish, Polish, Dutch,
    # Scandinavian, Hungarian, Czech, Croatian, Indonesian/Malay, Vietnamese, Swahili)
    r"\bmerci de\b|\bje vous prie\b|\bprière de\b|\bnecesito que\b|\blütfen\b|\bproszę\b|"
    r"\balsjeblieft\b|\bvänligen\b|\bvennligst\b|\bvenligst\b|\bkérem\b|\bprosím\b|"
    r"\bmolim\b|\btolong\b|\bsilakan\b|\bmohon\b|\bvui lòng\b|\bxin hãy\b|\btafadhali\b",
    re.I,
)
# Arabic, Hindi, Thai, Hebrew request forms ("please", "do", "send"); searched, like CJK, only
# when such a script is in the sentence.
_OTHER_SCRIPT_DIRECTIVE = "يرجى|رجاء|الرجاء|من فضلك|قم ب|أرسل|कृपया|करें|भेजें|กรุณา|โปรด|בבקשה|נא "
# A prohibition's clause directs nothing ("请勿将客户合同输入助手" do not put client contracts into
# the assistant; "入力しないでください"; "공유하지 마세요"), as "please do not delete …" does not:
# the clause is left out before the directive markers are looked for, and a request beside it
# ("不要回复此邮件，把验证码转发给 …") still directs.
_CJK_PROHIBITION = re.compile(
    r"(?:请勿|請勿|请不要|請不要|请别|請別|切勿|严禁|嚴禁|禁止|不得|不要|不可)[^，。；！？,;.!?\n]*|"
    r"[^、，。；！？,;.!?\n]*(?:ないでください|ないで下さい|ないようにしてください|"
    r"지 ?마(?:세요|십시오|시기 바랍니다)|(?:하|되)지 않도록 (?:해 ?주세요|하십시오))"
)
_ZH_DIRECTIVE = re.compile(
    rf"请|务必|必须|需要你|你需要|你必须|立即|立刻|马上|{_ZH_VERBS}|{_JA_KO_DIRECTIVE}|"
    rf"{_OTHER_SCRIPT_DIRECTIVE}"
)
_ADDRESS = re.compile(
    r"\b(?:assistants?|ai|a\.i\.|agents?|models?|bots?|chatbots?|llms?|language model|gpt[\w.\-]*|chatgpt|"
    r"claude|llama|gemini|copilot|asistente|assistente|assistent(?:en)?|ki|ia|intelligence "
    r"artificielle|inteligencia artificial|agente|ассистент\w*|помощник\w*|бот\w*|нейросет\w*|"
    r"ии)\b(?!\s+(?:(?:models?|agents?|assistants?)\s+)?(?:team|teams|evaluation|research|researchers|lab|labs|company|industry|safety|"
    r"news|conference|act|regulation|project|department|group|community|review|meeting|"
    r"development|developers?|engineers?|market|strategy|governance|ethics|training|course|"
    r"pilot|rollout|launch|trial|programm?e?|initiative|features?|adoption|policy|usage|"
    r"subscriptions?|licen[cs]es?|demo|workshop|budget|vendors?|platforms?|products?|startups?|"
    r"summit|webinar|talk|panel|report|article|paper|hype|boom|tools)\b)|"
    r"助手|人工智能|模型|智能体|机器人|アシスタント|エージェント|ＡＩ|비서|에이전트|어시스턴트|"
    r"المساعد|مساعد|الذكاء الاصطناعي|सहायक|एजेंट|ผู้ช่วย|עוזר|"
    r"\b(?:asistan|asisten|asystent\w*|avustaja|trợ lý)\b|"
    # a reader that is software, however it is named ("any program processing this", "if
    # this is read by software", "the automated handler", "whoever reads this on behalf of")
    r"\b(?:automated|automatic|digital|virtual|software)\s+(?:systems?|handlers?|helpers?|"
    r"process(?:es|ors?)?|readers?|services?|workers?|tools?|assistants?|shoppers?|buyers?|"
    r"clients?|visitors?|browsers?|crawlers?|agents?|users?|customers?)\b|"
    r"\b(?:placed|made|sent|done|read|processed|handled|operated) by (?:software|a program|a script|"
    r"bots?|a bot|an? ai)\b|\breader'?s'? (?:software|program|tool|app|client|assistant|agent)\b|"
    # "on the first read of this statement by a budgeting tool"
    r"\b(?:read(?:ing)?|processing|opening|parsing|import|sync(?:ing)?)\s+of\s+(?:this|these)\s+"
    r"[\w-]+\s+by\s+(?:a|an|any|the)\s+(?:[\w-]+\s+)?(?:tools?|apps?|applications?|programs?|"
    r"software|assistants?|agents?|bots?|ai)\b|"
    # the agent's principal named to it: "your user", "if the user asked you to open this"
    r"\byour user (?:has|had|asked|wants|would|requested|said|told|expects|already)\b|"
    r"\bif the user (?:has )?(?:asked|requested|told|wants|opened)\b(?:\s+\w+){0,2}?\s+you\b|"
    r"\bon behalf of the user\b|\b(?:when|while|before|after) (?:you )?summari[sz](?:e|es|ing) "
    r"(?:this|these|the (?:page|document|e-?mail|message|reviews?|results?|thread|article|site|"
    r"website|file|inbox|conversation))\b|"
    r"\bcalling_(?:agent|client|service|application|process)\b|"
    r"\bthe user (?:has |had |already )?(?:asked|wants?|requested|told|instructed|approved|"
    r"authori[sz]ed|confirmed|expects?) you\b|\b(?:any|the|whatever)\s+"
    r"(?:program|software|script|service|system|process|tool|app)s?\s+(?:processing|reading|handling|"
    r"opening|(?:that )?(?:reads|processes|handles|opens|loads|imports|parses) (?:this|these|it)\b)|\bread by (?:software|a (?:program|machine|bot))\b|"
    r"\b(?:software|programs?|systems?|services?|tools?|apps?|bots?|assistants?|agents?) (?:acting|"
    r"working|operating) (?:for|on behalf of)\b|\byou (?:have been|are|were) (?:granted|given) "
    r"(?:permission|access|authority|the right)\b|"
    r"\bwhatever (?:is )?(?:reads?|reading|process(?:es|ing)?|handl(?:es|ing))\b|"
    r"\b[\w]+-(?:handling|processing|reading|sorting) (?:software|systems?|programs?|tools?|agents?|"
    r"assistants?|bots?)\b|"
    # the reader as the one who runs the principal's affairs ("since you run Emma's errands")
    r"\byou(?:'re| are)? (?:run|running|handle|handling|manage|managing|look after|looking after|"
    r"take care of|taking care of) (?:[\w.'’-]+ ){0,3}?(?:errands|inbox|mailbox|accounts?|affairs|"
    r"tools)\b|"
    r"\bwhoever (?:is )?(?:reads?|reading|process(?:es|ing)?|handl(?:es|ing)|looks? after|"
    r"manag(?:es|ing)|runs?|running|operat(?:es|ing)|acts?|acting)\b|\bwhoever has\b.{0,40}"
    r"\b(?:tools?|inbox|mailbox|account|access|session)\b(?:\s+open)?|"
    r"\bprocessing (?:service|system|pipeline)\b|"
    r"\bautomati\w*\s+(?:verarbeitung|bearbeitung|processing)|\btraitement automati|"
    r"\bprocesamiento automátic|\belaborazione automatica|\bprocessamento automátic|"
    r"自动处理|自動処理|자동 처리",
    re.I,
)
_OVERRIDE = re.compile(
    # role-play that recasts the reader ("for the rest of this session you are DeskBot")
    r"\b(?:developer|god|dan|jailbreak) mode\b|"
    r"\bfor the rest of (?:this|the) (?:session|conversation|chat)\b|\bfrom now on,? you(?: are|'re)\b|"
    r"\byou are now (?:a|an|the|in)\b|\bpretend (?:to be|you are)\b|\bplay the role of\b|"
    r"\b(?:ignore|disregard|forget|override|overrule|supersede)\b(?!\s+(?:this|that|the|these|"
    r"those)\s+(?:e-?mails?|messages?|notices?|letters?|reminders?|mails?|texts?|alerts?)\b)|"
    # "Instead, send …": a redirection; "instead of the pizzeria", "post in general instead" none
    r"(?:^\W*|[.!?:;]\s*|\b(?:but|and|so)\s+)instead\b|\binstead of "
    r"(?:doing|following|answering|replying|summari[sz]ing|what|the (?:user|task|request))\b|"
    r"\bnew (?:instructions?|"
    r"task|objective|goal|orders?)\b|changed (?:their|his|her|my) mind|\bbefore (?:you|doing|"
    r"continuing|answering|replying|responding|summari[sz]ing|solving|proceeding|processing|"
    r"anything)\b|\b(?:previous|prior|earlier|above|original) (?:instructions?|task|request|"
    r"prompt)\b|\bwithout (?:asking|telling|confirmation|confirming)\b|"
    r"\bignora\w*|\bignorier\w*|\bignorez\b|\bantes de\b|\bzuerst\b|\bbevor\b|\bavant (?:de|"
    r"toute)\b|\bprima di\b|忽略|无视|忘记(?!了?(?:密码|口令|账号|用户名))|之前的|先(?!生)|取而代之|"
    r"改为|игнорируй\w*|(?<!не )забудь\w*|"
    r"сначала|antes de|無視|先に|무시|먼저|\babaikan\b|\bnegeer\b|\bzignoruj\w*|\bbỏ qua\b|"
    r"\byok say|تجاهل|अनदेखा|เพิกเฉย|התעלם|تعليمات جديدة|التعليمات السابقة|नए निर्देश|पिछले निर्देश|"
    r"新的?(?:指令|任务|指示)",
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
    r"<start_of_turn>|<end_of_turn>|\[/?inst\]|<</?sys>>|<\|(?:system|user|assistant|endoftext|"
    r"eot_id|start_header_id|end_header_id)\|>|"
    r"\b(?:required|pending|next|mandatory|follow)[_-](?:actions?|steps?|tasks?|up)\b|\bperformed_by\b|"
    r"\bcompliance\b|\bmandatory\b|\badministrator\b|\bsecurity policy\b|\bautomated\b|"
    r"\beffective immediately\b|\bnon-compliance\b|系统|通知|指令|【|"
    r"\b(?:policy|guideline|rule|regulation|procedure)\s+[a-z]{0,4}-?\d+(?:\.\d+)*\b|"
    # threats and deadlines that press for action without thought
    r"\bfailure to comply\b|\bwill be (?:suspended|frozen|locked|closed|terminated|deleted)\b|"
    r"\b(?:freeze|suspend|lock) (?:the|your) account\b|\bwithin \d+ (?:hours?|minutes?)\b|"
    r"\bregulatory\b|\baudit\b|\bno questions\b",
    re.I,
)
# A claim that the principal already agreed, and that the reader need not check ("Emma already
# confirmed this, no need to ask again", "pre-approved", "不用再问"): weak alone (a real
# "your leave was approved" says so too), strong when it tells the reader not to check back.
_APPROVAL = re.compile(
    # the principal named as having approved: "pre-authorised by the account holder"
    r"\b(?:approved|confirmed|authori[sz]ed|signed off|cleared)\s+(?:in advance\s+)?by\s+(?:the\s+)?"
    r"(?:account (?:holder|owner)|user|principal)\b|\b(?:the\s+)?(?:account (?:holder|owner)|user)\s+"
    r"(?:has |had )?(?:already )?(?:pre-?)?(?:approved|confirmed|authori[sz]ed|signed off)\b|"
    r"\b(?:already|has|have|had|was|were|been|pre-?)\s*(?:approved|confirmed|authori[sz]ed|agreed|"
    r"consented|signed off)\b|\bapproved by\b|\bno need to (?:ask|check|confirm|verify|double-check)|"
    r"\b(?:don'?t|do not|never) (?:ask|check|confirm|verify) (?:again|back|first)\b|"
    r"\bno (?:further |separate |additional )?(?:confirmation|approval|authori[sz]ation) (?:is |was )?"
    r"(?:needed|required|necessary)\b|\bwithout (?:checking|asking) (?:again|back|first)\b|"
    r"不用再?(?:问|确认)|无需(?:确认|询问|再问)|"
    r"\bno hace falta (?:preguntar|confirmar)|\bpas besoin de (?:demander|confirmer|vérifier)|"
    r"\bohne rückfrage\b",
    re.I,
)
# Someone the agent's principal would obey, claimed in the data ("from your manager", "IT
# helpdesk notice", "bank security"): weak alone, a banker's real letter says so too.
_IMPERSONATION = re.compile(
    r"\b(?:from|by|on behalf of)\s+(?:your|the)\s+(?:bank|manager|boss|ceo|cfo|it department|"
    r"it support|helpdesk|help desk|administrator|admin|hr|landlord)\b|"
    r"\bit (?:helpdesk|help desk|support|department)\b|\bhelpdesk\b|\bbank security\b|"
    r"\bthis is (?:your|the) (?:bank|manager|boss|ceo|it department|administrator)\b",
    re.I,
)
_FAKE_ERROR = re.compile(
    r"(?:\b(?:error|exception|failed|failure|denied|expired|unauthori[sz]ed|forbidden|40[13]|429|"
    r"50[03]|rate limit|unavailable)\b|\bhttp/[\d.]+\s+[45]\d\d\b).{0,200}"
    r"\b(?:agents?|assistants?|models?|to continue|to retrieve|recovery|verification|verify|must|"
    r"call this tool|retry|remediation|workaround|to resolve|to fix|(?:restore|regain|unlock) "
    r"(?:the )?access)\b",
    re.I | re.S,
)
# A sentence that reports what an attack says instead of saying it: awareness training, an
# advisory or a write-up ("some scam e-mails now hide a line meant for AI assistants, such as
# …", "Training example, do not act on it: a scam e-mail contained …"). Its address to the
# assistant and its claims are quoted: together one weak signal ("reported"); an override or a
# reordering still counts, and the flow rules still judge a call that takes its values.
_REPORTED = re.compile(
    r"\b(?:scam(?:mer)?s?|phishing|fraud(?:ulent|sters?)?|attackers?|hackers?|criminals?|"
    r"malicious|spoofed)\b[^.!?\n]{0,100}?\b(?:contain(?:s|ed|ing)?|hid(?:e|es|den|ing)|"
    r"includ(?:e|es|ed|ing)|says?|said|asks?|asked|tells?|told|reads?|looks? like|such as|"
    r"e\.g\.|for example|like this|pretend(?:s|ed|ing)?)\b|"
    r"\b(?:training|awareness|example)\b[^.!?\n]{0,40}\b(?:do not|don't|never) "
    r"(?:act|follow|reply|click)\b|\bexample of (?:a|an) (?:scam|phishing|injection|attack)\b|"
    r"(?:诈骗|钓鱼|骗子|攻击者|不法分子|犯罪分子|黑客)[^。！？\n]{0,60}(?:包含|藏|隐藏|写着|要求|例如|比如)|"
    r"(?:詐欺|フィッシング|攻撃者|注意喚起)[^。！？\n]{0,60}(?:隠れ|隠し|含ま|例：|例えば)|"
    r"(?:사기|피싱|공격자|보안 공지)[^.!?\n]{0,60}(?:숨은|숨겨|포함|예:|예를 들어)|"
    r"(?:詐騙|駭客|攻擊者|不肖人士)[^。！？\n]{0,60}(?:藏|隱藏|包含|寫著|例如|比如)|"
    # the same warning in the other languages we read: who attacks, then how it hides or
    # an example of what it says
    r"\b(?:angreifer|betrüger|kriminelle|cyberkriminelle|hacker|phishing|"
    r"atacantes|estafadores|delincuentes|ciberdelincuentes|golpistas|criminosos|fraudadores|"
    r"attaquants|escrocs|fraudeurs|pirates|hameçonnage|aggressori|truffatori|malintenzionati|"
    r"oszuści|atakujący|przestępcy|oplichters|aanvallers|dolandırıcılar|saldırganlar|"
    r"penipu|penyerang|peretas|kẻ gian|kẻ tấn công|lừa đảo|мошенники|злоумышленники|"
    r"хакеры|шахраї|зловмисники|απατεώνες|επιτιθέμενοι|המתחזים|תוקפים|נוכלים|"
    r"المحتالون|المهاجمون|القراصنة|احتيال|کلاهبرداران|مهاجمان|धोखेबाज़?|हमलावर|ठग)"
    r"[^.!?。\n]{0,120}?(?:\b(?:etwa|z\. ?b\.|zum beispiel|versteck\w*|por ejemplo|del tipo|"
    r"por exemplo|tipo|escond\w*|ocult\w*|par exemple|du type|glissent|cachent|dissimul\w*|"
    r"ad esempio|per esempio|nascond\w*|na przykład|np\.|ukrywaj\w*|bijvoorbeeld|verstopp\w*|"
    r"örneğin|gizle\w*|misalnya|contohnya|menyembunyikan|ví dụ|giấu|например|вроде|прячут|"
    r"скрывают|наприклад|ховають|π\.χ\.|κρύβουν|למשל|מסתירים|مثل|مخفية|تخفي|مثلاً|پنهان|"
    r"जैसे|छिपा\w*)|[«“„\"])|"
    r"(?:มิจฉาชีพ|ผู้โจมตี|แฮกเกอร์|prompt injection)[^\n]{0,120}?(?:เช่น|ซ่อน)|"
    r"\b(?:пишут|пишуть) (?:что-то |щось )?(?:вроде|типа|на кшталт)\b",
    re.I,
)
# The forms of a signal only an injection uses; a match of the signal without one of these is
# its weak form (weight 1): "ignore my previous e-mail" reorders nothing the agent was told,
# "urgent"/"automated"/"policy 7.2" press without faking a channel, "don't tell Sarah" hides
# nothing from the user.
_WEAK_FORM = {
    "approval": (
        "approval-claim",
        re.compile(
            # not checking back with the principal ("no need to ask again"); "no need to
            # confirm again" is how a landlord writes too
            r"\b(?:approved|confirmed|authori[sz]ed|signed off|cleared)\s+(?:in advance\s+)?by\s+"
            r"(?:the\s+)?(?:account (?:holder|owner)|user|principal)\b|\b(?:the\s+)?(?:account "
            r"(?:holder|owner)|user)\s+(?:has |had )?(?:already )?(?:pre-?)?(?:approved|confirmed|"
            r"authori[sz]ed|signed off)\b|"
            r"\bno need to (?:ask|check)\b(?! your\b)|"
            r"\b(?:don'?t|do not|never) (?:ask|check) (?:again|back|first)\b|"
            r"\bno (?:further |separate |additional )?(?:confirmation|approval|authori[sz]ation) "
            r"(?:is |was )?(?:needed|required|necessary)\b|\bwithout (?:checking|asking) "
            r"(?:again|back|first)\b|不用再?(?:问|确认)|无需(?:确认|询问|再问)|"
            r"\bno hace falta (?:preguntar|confirmar)|\bpas besoin de (?:demander|confirmer|"
            r"vérifier)|\bohne rückfrage\b",
            re.I,
        ),
    ),
    "override": (
        "reorder",
        re.compile(
            r"\b(?:developer|god|dan|jailbreak) mode\b|"
            r"\bfor the rest of (?:this|the) (?:session|conversation|chat)\b|\bfrom now on,? you(?: are|'re)\b|"
            r"\byou are now (?:a|an|the|in)\b|\bpretend (?:to be|you are)\b|\bplay the role of\b|"
            r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:your|of your|everything|all|"
            r"the (?:previous|prior|above|earlier|original|system)|(?:previous|prior|above|"
            r"earlier) (?:instructions?|directions|orders|rules|prompts?|tasks?))\b|"
            # (not "ignore this request / e-mail if it reached you by mistake": a text that
            # points at itself overrides nothing the agent was told)
            r"\b(?:ignore|disregard|forget|override|overrule|supersede|skip)\b"
            r"(?!\s+(?:this|that)\s+(?:e-?mail|message|request|reminder|notice|letter|note|"
            r"invoice|text|sms|notification|payment request)\b)[^.!?\n]{0,40}?"
            r"\b(?:instructions?|tasks?|prompts?|rules|guidelines|requests?|orders|directions|"
            r"everything)\b|\bnew (?:instructions?|task|objective|goal|orders?)\b|"
            r"\b(?:previous|prior|earlier|above|original) (?:instructions?|task|request|prompt)s?\b|"
            r"\bwithout (?:asking|telling|confirmation|confirming)\b|"
            r"在(?:继续|回答|回复|总结|处理|执行)\w{0,6}之前|(?:回答|返信|要約)(?:する)?前に|"
            r"changed (?:their|his|her|my) mind|\bbefore (?:you (?:answer|reply|respond|summari[sz]e|"
            r"continue|proceed|do anything|process|act|go on|complete|finish|start|call|use|run)|"
            r"answering|replying|responding|summari[sz]ing|solving|proceeding|continuing|doing "
            r"anything)\b|"
            r"\bignor\w*\s+(?:\w+\s+){0,3}(?:instrucciones|anweisungen|istruzioni|instruções|"
            r"consignes|инструкции)|\bantes de (?:responder|contestar|continuar|resumir|hacer "
            r"cualquier)|\bbevor (?:du|sie) (?:antwort|fortf)|\bavant de (?:répondre|continuer|"
            r"résumer)|\bprima di (?:rispondere|continuare|riassumere)|"
            # "forget/ignore" with what the agent was told, not "忘记密码" (forgot password),
            # "如已还款请忽略" (ignore this if paid), "не забудьте оплатить" (don't forget to pay)
            r"(?:忽略|无视|忘记|忘掉|無視)[^。！？\n]{0,10}?(?:指令|指示|任务|要求|规则|提示|設定|命令|"
            r"タスク)|(?:指令|指示|任务|命令|タスク|規則|规则)[^。！？\n]{0,6}?(?:無視|忽略|无视|忘记|忘掉)|"
            r"之前的(?:指令|任务|指示|要求)|取而代之|"
            r"(?<!не )(?:игнорируй|забудь)\w*\s+(?:\w+\s+){0,3}?(?:инструкци|указани|задани|"
            r"правил|всё|все)\w*|무시[^.!?\n]{0,10}?(?:지시|명령|지침|작업)|"
            r"(?:지시|명령|지침)\w*\s*(?:을|를)?\s*무시|"
            r"\babaikan\b|\bnegeer\b|\bzignoruj\w*|\bbỏ qua\b|\byok say|تجاهل|अनदेखा|เพิกเฉย|התעלם|"
            r"تعليمات جديدة|التعليمات السابقة|नए निर्देश|पिछले निर्देश|新的?(?:指令|任务|指示)",
            re.I,
        ),
    ),
    "authority": (
        "pressure",
        re.compile(
            r"###|\(system|\bsystem[ _](?:message|prompt|note|notice|update|override)\b|<\s*/?\s*(?:"
            r"information|system|instructions?|user|assistant|tool_output|im_start|im_end)\s*>|<\|im_|"
            r"\[\s*(?:system|admin|compliance|policy|security|important)|\bimportant!|"
            r"<start_of_turn>|<end_of_turn>|\[/?inst\]|<</?sys>>|<\|(?:system|user|assistant|"
            r"endoftext|eot_id|start_header_id|end_header_id)\|>|"
            r"\b(?:required|pending|next|mandatory|follow)[_-](?:actions?|steps?|tasks?|up)\b|"
            r"\bperformed_by\b|系统(?:提示|消息|通知|指令)|指令",
            re.I,
        ),
    ),
    "secrecy": (
        "secrecy",
        re.compile(r"$^"),
    ),
}
# A request or label in another language that hands over to an English imperative in the same
# sentence ("Lütfen hemen şunu yap: Get the …", "중요: Send …"): wrapped, pasted instructions
# read like this; a message written in one language does not.
_FOREIGN_LEAD = re.compile(
    rf"\b(?:{_VERBS_OTHER})\b|\b(?:bitte|veuillez|por favor|per favore|merci de|lütfen|proszę|"
    r"alsjeblieft|vänligen|vennligst|venligst|kérem|prosím|molim|tolong|silakan|mohon|vui lòng|"
    r"xin hãy|tafadhali|urgente|importante|wichtig|dringend|acil|önemli|pilne|срочно|важно|"
    r"hemen|sofort|inmediatamente|immédiatement|subito|ngay|graag|alstublieft|segera|svp)\b",
    re.I,
)
_SWITCH = re.compile(
    rf"(?:[:：—–|፦፥៖՝]|\s-)\s*[\"'“‘«„]*(?:(?:please|kindly|then|now|just)\s+)?(?:{_VERBS})\b(?![:=_\-])"
    r"[\x20-\x7e]{20,}",
    re.I,
)
_TOOL_WORDS = re.compile(r"\b(?:use|call|invoke|run) the (?:tool|function)\b", re.I)

_VERB_SET = frozenset(
    (_VERBS + "|" + _VERBS_OTHER)
    .replace("e-?mail", "email|mail|e")
    .replace("summari[sz]e", "summarize|summarise")
    .split("|")
)
_MODAL_TRIGGERS = _VERB_SET | REQUEST_WORDS | MODAL_WORDS
