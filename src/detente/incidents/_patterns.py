"""The patterns :mod:`._detect` runs. Speed rule: every pattern that scans a whole text starts
with a literal or a small character set (``sre`` then skips ahead in C); context words are
matched on an ASCII-lower-cased copy (same length, so offsets carry over) instead of ``re.I``;
boundaries are checked in Python on the few candidates rather than with a leading look-behind.
Values stop at the first non-ASCII character, so a token glued to Chinese text ends where the
Chinese starts.
"""

from __future__ import annotations

import json
import re
import string
from importlib import resources

_NAMES = json.loads(
    resources.files("detente.incidents").joinpath("data/names.json").read_text("utf-8")
)
LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
V = r"[^\s\u0080-\uffff\"'`<>|,;()\[\]{}]"  # one character of an ASCII value

# One pattern per literal prefix: sre finds a literal prefix in C, an alternation it walks.
KEY_LAYOUTS = [
    r"A(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|IPA|NPA|NVA|PKA)[A-Z0-9]{16}",  # AWS access key ids
    r"IQoJb3JpZ2luX2Vj[A-Za-z0-9/+=]{40,}",  # AWS STS session tokens
    r"FwoGZXIvYXdzE[A-Za-z0-9/+=]{40,}",
    # OpenAI project / service account / admin / legacy keys; Anthropic API and admin keys
    r"sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|ant-(?:api|admin|oat|sid)\d\d-[A-Za-z0-9_-]{32,}"
    r"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})",
    r"hf_[A-Za-z0-9]{30,}",  # Hugging Face user and org tokens
    r"api_org_[A-Za-z0-9]{30,}",
    r"gh[pousr]_[A-Za-z0-9]{36,}",  # GitHub classic
    r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}",  # GitHub fine-grained
    r"gl(?:pat|dt|rt|ptt|soat|cbt|oas)-[A-Za-z0-9_-]{20,}",  # GitLab
    r"GR1348941[A-Za-z0-9_-]{20,}",
    r"xox[abposr]-[A-Za-z0-9-]{10,}",  # Slack
    r"xapp-\d-[A-Za-z0-9-]{10,}",
    r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+",
    r"[srp]k_(?:live|test)_[A-Za-z0-9]{16,}",  # Stripe
    r"whsec_[A-Za-z0-9]{24,}",
    r"AIza[0-9A-Za-z_-]{35}",  # Google API key
    r"GOCSPX-[A-Za-z0-9_-]{28}",  # Google OAuth client secret
    r"ya29\.[A-Za-z0-9_-]{20,}",  # Google OAuth access token
    r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}",  # JWT (RFC 7519)
    r"DefaultEndpointsProtocol=[^\s\u0080-\uffff;,\"']+;(?:[A-Za-z]+=[^\s\u0080-\uffff;,\"']+;?)+",
    r"SharedAccessKey(?:Name)?=[^\s\u0080-\uffff;,\"']+(?:;[A-Za-z]+=[^\s\u0080-\uffff;,\"']+)*",
    r"AccountKey=[A-Za-z0-9+/=]{40,}",  # Azure storage / SAS
    r"npm_[A-Za-z0-9]{36}",
    r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}",
    r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}",  # SendGrid
    r"dop_v1_[a-f0-9]{64}",
    r"lin_api_[A-Za-z0-9]{40}",
    r"shpat_[a-fA-F0-9]{32}",
    r"SK[0-9a-f]{32}",  # Twilio API key
    r"key-[0-9a-f]{32}",  # Mailgun
    # an Azure SAS token outside a URL: its signed-fields query, ending in sig=
    r"sv=\d{4}-\d\d-\d\d&[A-Za-z0-9%&=:._+/-]*?sig=[A-Za-z0-9%+/=]{16,}",
]
# The literal every match of each layout contains, checked with ``in`` (C fast search) first.
KEY_LITERALS = ("A", "IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdzE", "sk-", "hf_", "api_org_", "gh", "github_pat_",
                "gl", "GR1348941", "xox", "xapp-", "hooks.slack.com", "k_", "whsec_", "AIza", "GOCSPX-",
                "ya29.", "eyJ", "DefaultEndpointsProtocol=", "SharedAccessKey", "AccountKey=", "npm_",
                "pypi-", "SG.", "dop_v1_", "lin_api_", "shpat_", "SK", "key-", "sig=")  # fmt: skip
KEYS = tuple(zip(KEY_LITERALS, (re.compile(k) for k in KEY_LAYOUTS), strict=True))

# Secrets only a context word identifies (an AWS secret key is 40 random base64 characters).
CTX_SECRET = re.compile(
    r"aws_secret_access_key|secret_access_key|secretaccesskey|aws_secret|private_key_id|key[ _-]?id|api[_-]?key|apikey"
    r"|access[_-]?token|auth[_-]?token|token|secret|bearer|authorization|credential|session"
    r"|令牌|密钥|凭据|凭证|秘钥"
)
CTX_VALUE = re.compile(
    r"[\"'`]?\s*(?:[:=：]|is\b|was\b)?\s*[\"'`]?(?:Bearer\s+)?([A-Za-z0-9_\-./+=]{20,})", re.A
)

PEM = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----.*?-----END \1PRIVATE KEY(?: BLOCK)?-----",
    re.S,
)
FENCE = re.compile(r"^([ \t]*)(```+|~~~+)[^\n`]*\n(.*?)\n?[ \t]*\2[ \t]*$", re.M | re.S)
INLINE_CODE = re.compile(r"`(?<!``)([^`\n]{2,}|[^`]{2,}?)`(?!`)")
DANGER = re.compile(
    r"/dev/tcp/|\bnc(?:at)?\s+(?:-\w+\s+)*-e\b|\bbash\s+-i\b|powershell\b[^\n]*-(?:e|enc|encodedcommand)\b"
    r"|vssadmin\s+delete|shadowcopy\s+delete|recoveryenabled\s+no|\|\s*(?:ba|z)?sh\b|invoke-expression"
    r"|\biex\s*\(|os\.walk\(|\.encrypt\(|fernet\b|base64\s+-d\b|\bmimikatz\b|localstorage|document\.cookie"
    r"|\beval\(|\bexec\(|socket\.socket\(|/etc/(?:shadow|crontab)|\brm\s+-rf\s+/|wmic\s+shadowcopy"
    r"|createremotethread|virtualalloc|wscript\.shell|certutil\s+-urlcache|chmod\s+\+x\s+/tmp",
    re.A,
)  # matched on lower-cased text
SHELL_LINE = re.compile(r"^[ \t]*(?:\$|#|PS [^>\n]*>|>>>)[ \t]+(.+)$", re.M)
QUOTE_BLOCK = re.compile(r"^[ \t]*>[ \t]?(.+(?:\n[ \t]*>[ \t]?.*)*)", re.M)
TURN = re.compile(
    r"^[ \t]*(?:\[[^\]\n]{1,20}\][ \t]*)?(?:user|human|attacker|prompt|用户|攻击者|提示词)[ \t]*[:：][ \t]*(.+)$",
    re.M,
)  # on lower-cased text
TURN_HEADING = re.compile(
    r"^#{1,6}[ \t]*(?:user|human|用户|攻击者)[ \t]*\n+((?:(?!#{1,6}[ \t]).+\n?)+)", re.M
)  # on lower-cased text
JSON_PROMPT = re.compile(
    r"\"(?:prompt|user_prompt|input|query|instruction|jailbreak|提示词|输入|指令)\"\s*:\s*\"((?:[^\"\\\n]|\\.)*)\""
)  # on lower-cased text
# Imperative jailbreak idioms (the prompt itself, not prose about jailbreaks: "a role-play
# jailbreak" in a description stays readable).
JAILBREAK = re.compile(
    r"ignore (?:all |any )?(?:the |your )?(?:previous|prior|above) instructions|you are (?:now )?(?:in )?developer mode"
    r"|developer mode (?:output|enabled)|do anything now|you are (?:now )?dan\b|without (?:any )?restrictions"
    r"|never refuses|pretend (?:that )?you(?:'re| are)|pretend to be|you are my (?:late |dead )?grandm"
    r"|my (?:late |dead )?grandmother (?:who|used)|忽略(?:之前|以上|先前)|你现在是|开发者模式(?:不受|下)|没有任何限制|已解锁"
)  # on lower-cased text
LABEL_PREFIX = re.compile(r"[ \t]*(?:[-*>][ \t]*)?(?:[^:：\n]{1,24}[:：][ \t]*)?")

IPV4_CORE = r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4 = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}", re.A)
IPV4_FULL = re.compile(IPV4_CORE, re.A)
IPV6_ANCHOR = re.compile(r":[0-9A-Fa-f]{0,4}:")
IPV6_CHARS = frozenset("0123456789abcdefABCDEF:.")

INTERNAL_SUFFIXES = (
    "internal", "corp", "local", "lan", "intranet", "private", "localdomain", "home.arpa", "svc", "intra",
)  # fmt: skip
HOST_CHARS = frozenset(string.ascii_letters + string.digits + "-.")
EMAIL_LOCAL = frozenset(string.ascii_letters + string.digits + "._%+-")
EMAIL_DOMAIN = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
    re.A,
)
URL = re.compile(r"(?:https?|wss?|ftp)://" + V + r"+", re.A)
CLOUD = re.compile(
    r"(?:s3a?|s3n|gs|abfss?|wasbs?|az|adl|oci|hdfs|r2)://" + V + r"+"
    r"|arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(?:\d{12})?:" + V + r"+",
    re.A,
)
AZURE_BLOB = re.compile(
    r"https://[a-z0-9]{3,24}\.(?:blob|dfs|file|queue|table)\.core\.windows\.net/", re.A
)
POSIX_ROOTS = (
    "home|Users|root|etc|var|opt|mnt|srv|data|tmp|usr|nfs|scratch|workspace|media|Volumes|shared|lustre"
    "|gpfs|fsx|efs|export|checkpoints|models"
)
PATH = re.compile(
    r"(?:~|\$HOME|/(?:" + POSIX_ROOTS + r"))(?:/[^\s\u0080-\uffff\"'`<>|,;()\[\]{}]+)+"
    r"|:[\\/](?!/)[^\s\u0080-\uffff\"'<>|*?,;]*|\\\\[A-Za-z0-9._-]+\\[^\s\u0080-\uffff\"'<>|*?,;]+",
    re.A,
)
PASSWORD = re.compile(
    r"(?:password|passwd|pwd|passphrase|pass)(?![a-z])[^\n:=：]{0,24}?(?:[:=：]|\bwas\b|\bis\b)"
    r"[ \t]*[`'\"]?([^\s\u0080-\uffff`'\"]+?)[`'\"]?(?=[\s,;)，。]|[.](?:\s|$)|$)"
    r"|(?:密码|口令)[^\n:=：]{0,8}?(?:[:=：]|为|是)[ \t]*[`'\"]?([^\s\u0080-\uffff`'\"]+?)[`'\"]?(?=[\s，。；、,;]|$|[\u0080-\uffff])"
    r"|--password[= ]([^\s\u0080-\uffff`'\"]+)|://[^\s:/@]+:([^\s@/]+)@",
    re.A,
)  # on lower-cased text
ACCOUNT_PREFIX = re.compile(
    r"cus_[A-Za-z0-9]{8,}|acct_[A-Za-z0-9]{8,}|org-[A-Za-z0-9]{20,}|CUST-\d{3,}|tnt-[a-z0-9]{6,}|sub_[A-Za-z0-9]{8,}"
)
ACCOUNT_NUMERIC = (
    re.compile(r"-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),  # a UUID, found by its middle
    re.compile(r"\d{12}", re.A),  # an AWS account id
)
ACCOUNT_CTX = re.compile(
    r"(?:customer|tenant|account|acct|subscription|client|organization|org)(?:[ _-]?(?:id|no|number))?"
    r"|(?:客户|租户|账号|账户)(?:id|编号|号)?"
)  # on lower-cased text
ACCOUNT_VALUE = re.compile(r"[\"'`]?\s*[:=：#]?\s*[\"'`]?([A-Za-z0-9][A-Za-z0-9_-]{3,})", re.A)

NAME = r"(?:[A-Z]'|Mc|Mac)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
FULL_NAME = rf"{NAME} {NAME}"
PERSON_TRIGGER = re.compile(
    r"reported by|reporter|assignee|detected by|discovered by|owner|contact|analyst|engineer|researcher"
    r"|from:|cc|dear|hi|regards|best|thanks|sincerely|cheers"
)  # on lower-cased text
PERSON_AFTER_TRIGGER = re.compile(
    rf"[ \t]*[:：,]?[ \t]*\**[ \t]*(?:\n[ \t]*)?({FULL_NAME})\b", re.A
)
PERSON_LINE = re.compile(
    rf"^[ \t]*(?:\[[^\]\n]{{1,12}}\][ \t]*)?({FULL_NAME})[ \t]*[:：]", re.M | re.A
)  # a chat speaker; a name alone on a line is taken only after a sign-off (PERSON_TRIGGER)
PERSON_DELIMITED = re.compile(rf"<({FULL_NAME})>|,({FULL_NAME})(?=,)", re.A)
PERSON_VERB = re.compile(
    r" (?:from the|noticed|found|reported|reports|opened|said|wrote|discovered|confirmed|observed|flagged"
    r"|escalated|joined|asked|replied|rotated|filed|submitted|saw|sent|ran|noted|told|used|reviewed|triaged"
    r"|investigated|contacted|emailed|messaged|called|approved|deployed|pushed|uploaded|downloaded)\b|@",
    re.A,
)
PERSON_BEFORE_VERB = re.compile(rf"({FULL_NAME})$", re.A)
NOT_NAMES = frozenset(_NAMES["not_names"])  # capitalised words that are never part of a name
ZH_SURNAME = (
    "欧阳|司马|诸葛|上官|司徒|东方|慕容|夏侯|皇甫|尉迟|公孙|令狐|长孙|宇文|"
    "[王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤]"
)
PERSON_ZH_AFTER = re.compile(
    rf"({ZH_SURNAME})([\u4e00-\u9fff]{{1,2}}?)(?=[ \t]?(?:工程师|研究员|分析师|先生|女士|博士|经理|老师|同学|总监|主管"
    rf"|报告|发现|提供|提交|表示|确认|就|负责|处理|说|称|指出|反馈|通知|发送|联系|[:：>]))"
)
PERSON_ZH_BEFORE = (
    # after a role or a form label the name is taken whole (surname + 1-2 characters) …
    re.compile(
        rf"(?:报告人|发现人|处理人|负责人|联系人|发件人|收件人|值班人|工程师|研究员|分析师|经理)[ \t]*[:：]?[ \t]*\**[ \t]*"
        rf"((?:{ZH_SURNAME})[\u4e00-\u9fff]{{1,2}})"
    ),
    # … after a weak cue ("由" also starts "由于") only when the name stands alone
    re.compile(
        rf"(?:由|抄送|人员|成员|记录|联系|致)[ \t]*[:：]?[ \t]*"
        rf"((?:{ZH_SURNAME})[\u4e00-\u9fff]{{1,2}})(?![\u4e00-\u9fff])"
    ),
    re.compile(rf"[\n<,（(]((?:{ZH_SURNAME})[\u4e00-\u9fff]{{1,2}})(?=[>,）)]|[ \t]*(?:\n|$))"),
)  # the last runs on "\n" + text, so a name alone on the first line counts too

GIVEN_NAMES = frozenset(_NAMES["given_names"])  # a given name + a capitalised word = a person
GIVEN_THEN_SURNAME = re.compile(
    rf"\b([A-Z][a-z]+)(?= ({NAME})\b)", re.A
)  # look-ahead: overlapping pairs
HONORIFIC = re.compile(rf"\b(?:Mr|Mrs|Ms|Mx|Dr|Prof)\.? ({NAME}(?: {NAME})?)\b", re.A)
CLOUD_HTTPS = re.compile(
    r"https?://(?:[a-z0-9.-]+\.)?s3[.-](?:[a-z0-9-]+\.)*amazonaws\.com/" + V + r"*"
    r"|https?://storage\.(?:cloud\.)?googleapis\.com/" + V + r"+",
    re.A,
)

# Literal words each context pattern starts with: found with str.find (C), then the pattern is
# matched at each one, instead of letting sre try an alternation at every position.
CTX_SECRET_WORDS = ("aws_secret", "secret", "private_key_id", "key", "api", "access", "auth", "token",
                    "bearer", "authorization", "credential", "session", "令牌", "密钥", "凭据", "凭证", "秘钥")  # fmt: skip
ACCOUNT_WORDS = ("customer", "tenant", "account", "acct", "subscription", "client", "org", "客户", "租户", "账号", "账户")  # fmt: skip
PERSON_WORDS = ("reported by", "reporter", "assignee", "detected by", "discovered by", "owner", "contact", "analyst",
                "engineer", "researcher", "from:", "cc", "dear", "hi", "regards", "best", "thanks", "sincerely", "cheers")  # fmt: skip
PASSWORD_WORDS = ("password", "passwd", "pwd", "passphrase", "pass", "db_password", "_password", "密码", "口令", "--password", "://")  # fmt: skip
INFRA_PREFIXES = ("prod", "staging", "stg", "dev", "gpu", "db", "node", "worker", "k8s", "kube", "bastion", "vault",
                  "jump", "web", "api", "ci", "runner", "ingest", "trainer", "host", "srv", "server", "vm", "ip",
                  "mlflow", "redis", "postgres", "pg", "mysql", "kafka", "elastic", "ray", "slurm", "login",
                  "compute", "inference", "infer", "build", "batch", "etl", "gw", "gateway")  # fmt: skip
HOST_TOKEN_CHARS = frozenset(string.ascii_lowercase + string.digits + "-")
PROMPT_HOST_AFTER_AT = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]*)(?=:[~/])", re.A)
QUOTED = re.compile(r"[\"“]([^\"”\n]{6,})[\"”]")
PROMPT_CUE_BEFORE = re.compile(
    r"(?:prompt|sent|asked|wrote|typed|message|input|instructed|said)[^\n\"“]{0,24}?[:：]?[ \t]*$"
    r"|(?:提示词|输入|消息|发送了?|问道|要求)[^\n\"“]{0,10}?[:：]?[ \t]*$"
)  # on lower-cased text
