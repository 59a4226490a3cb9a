"""Value generators for the labelled redaction corpus: every format the issue names.

Secret formats follow each vendor's published token layout (prefix, alphabet, length); the
values are random, so none is a live credential. Names, hosts and prompts come from two
disjoint pools, one per split, so the held-out split shares no literal with the dev split.
"""

from __future__ import annotations

import base64
import random
import string

B62 = string.ascii_letters + string.digits
B64 = B62 + "+/"
URLSAFE = B62 + "-_"
HEX = "0123456789abcdef"
UPPER_NUM = string.ascii_uppercase + string.digits


def r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def api_key(rng: random.Random) -> str:
    kind = rng.randrange(19)
    match kind:
        case 0:
            return rng.choice(["AKIA", "ASIA"]) + r(rng, UPPER_NUM, 16)
        case 1:
            return "sk-proj-" + r(rng, URLSAFE, 74) + "T3BlbkFJ" + r(rng, URLSAFE, 74)
        case 2:
            return "sk-svcacct-" + r(rng, URLSAFE, 74) + "T3BlbkFJ" + r(rng, URLSAFE, 74)
        case 3:
            return "sk-ant-api03-" + r(rng, URLSAFE, 93) + "AA"
        case 4:
            return "hf_" + r(rng, B62, 34)
        case 5:
            return rng.choice(["ghp_", "gho_", "ghs_", "ghu_", "ghr_"]) + r(rng, B62, 36)
        case 6:
            return (
                "github_pat_"
                + r(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 22)
                + "_"
                + r(rng, B62, 59)
            )
        case 7:
            return "glpat-" + r(rng, URLSAFE, 20)
        case 8:
            return (
                rng.choice(["xoxb-", "xoxp-"])
                + "-".join(r(rng, string.digits, 12) for _ in range(2))
                + "-"
                + r(rng, B62, 24)
            )
        case 9:
            return rng.choice(["sk_live_", "rk_live_", "sk_test_"]) + r(rng, B62, 99)
        case 10:
            return "AIza" + r(rng, URLSAFE, 35)
        case 11:
            head = _b64url(b'{"alg":"RS256","typ":"JWT"}')
            body = _b64url(
                (f'{{"sub":"{r(rng, HEX, 12)}","iat":{rng.randrange(10**9, 2 * 10**9)}}}').encode()
            )
            return f"{head}.{body}.{r(rng, URLSAFE, 43)}"
        case 12:
            acct = r(rng, string.ascii_lowercase + string.digits, 12)
            return (f"DefaultEndpointsProtocol=https;AccountName={acct};AccountKey="
                    f"{r(rng, B64, 86)}==;EndpointSuffix=core.windows.net")  # fmt: skip
        case 13:
            return (
                "xapp-1-A"
                + r(rng, UPPER_NUM, 10)
                + "-"
                + r(rng, string.digits, 13)
                + "-"
                + r(rng, HEX, 64)
            )
        case 14:
            return "glrt-" + r(rng, URLSAFE, 20)
        case 15:
            return "sk-admin-" + r(rng, URLSAFE, 74) + "T3BlbkFJ" + r(rng, URLSAFE, 74)
        case 16:
            return "npm_" + r(rng, B62, 36)
        case 17:
            return "pypi-AgEIcHlwaS5vcmc" + r(rng, URLSAFE, 70)
        case _:
            return "sk-ant-admin01-" + r(rng, URLSAFE, 93) + "AA"


def aws_secret(rng: random.Random) -> str:
    return r(rng, B64, 40)


def aws_session_token(rng: random.Random) -> str:
    return "IQoJb3JpZ2luX2VjE" + r(rng, B64, 300)


def gcp_key_id(rng: random.Random) -> str:
    return r(rng, HEX, 40)


def sas_token(rng: random.Random) -> str:
    return f"sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2026-12-31T00:00:00Z&sig={r(rng, B62, 43)}%3D"


def private_key(rng: random.Random) -> str:
    kind = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"])
    lines = [r(rng, B64, 64) for _ in range(rng.randrange(3, 7))]
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"


def password(rng: random.Random) -> str:
    words = [
        "Tr0ub4dor",
        "hunter2",
        "Summer2026",
        "P@ssw0rd",
        "Winter#",
        "dragon",
        "qwerty",
        "Zx9!",
    ]
    return rng.choice(words) + r(rng, B62 + "!#%&*", rng.randrange(3, 9))


def ipv4_private(rng: random.Random) -> str:
    first = rng.choice(["10", "172.16", "192.168", "100.64"])
    need = 4 - first.count(".") - 1
    return first + "".join(f".{rng.randrange(0, 255)}" for _ in range(need))


def ipv4_public(rng: random.Random) -> str:
    return ".".join(
        str(x)
        for x in (
            rng.choice([34, 52, 104, 185, 203]),
            rng.randrange(256),
            rng.randrange(256),
            rng.randrange(1, 255),
        )
    )


def ipv6(rng: random.Random) -> str:
    groups = [f"{rng.randrange(65536):x}" for _ in range(8)]
    kind = rng.randrange(5)
    if kind == 0:
        return ":".join(groups)
    if kind == 1:
        return "2001:db8:" + ":".join(groups[:2]) + "::" + groups[7]
    if kind == 2:
        return f"fe80::{groups[0]}:{groups[1]}:{groups[2]}:{groups[3]}%{rng.choice(['eth0', 'en0', 'ens5', '12'])}"
    if kind == 3:
        return f"fd{groups[0][:2]:0>2}:{groups[1]}:{groups[2]}::{groups[3]}"
    return f"::ffff:{ipv4_private(rng)}"


def ip_address(rng: random.Random) -> str:
    return rng.choice([ipv4_private, ipv4_private, ipv4_public, ipv6, ipv6])(rng)


POOLS: dict[str, dict[str, list[str]]] = {
    "heldout": {
        "first": [
            "Margaret",
            "Oluwaseun",
            "Dmitri",
            "Priya",
            "Hiroshi",
            "Fatima",
            "Connor",
            "Ingrid",
            "Mateo",
            "Aisha",
        ],
        "last": [
            "Thornton",
            "Adeyemi",
            "Volkov",
            "Raghunathan",
            "Tanaka",
            "Haddad",
            "O'Brien",
            "Lindqvist",
            "Herrera",
            "Mensah",
        ],
        "zh": [
            "欧阳明轩",
            "司马婷",
            "诸葛亮平",
            "钱晓峰",
            "孙丽娜",
            "胡建国",
            "郭晨曦",
            "罗志勇",
            "梁雪",
            "宋佳怡",
        ],
        "org": ["northwind-ai.com", "helios-labs.io"],
        "host": ["trainer-a100-04", "vault-prod-2", "ci-runner-17", "ingest-worker-9", "mlflow"],
        "user": ["mthornton", "priya.r", "dvolkov", "fhaddad"],
        "bucket": ["nw-finetune-data", "helios-eval-logs", "customer-uploads-prod"],
    },
    "dev": {
        "first": [
            "Alice",
            "Robert",
            "Wei",
            "Sofia",
            "James",
            "Elena",
            "Kwame",
            "Yuki",
            "Lucas",
            "Nadia",
        ],
        "last": [
            "Chen",
            "Miller",
            "Garcia",
            "Novak",
            "Okafor",
            "Schmidt",
            "Kowalski",
            "Nakamura",
            "Dubois",
            "Singh",
        ],
        "zh": ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴婷婷"],
        "org": ["lab-a.com", "acme-ai.net"],
        "host": ["gpu-node-17", "prod-db-03", "bastion-1", "k8s-master", "inference-gw"],
        "user": ["achen", "rmiller", "wei", "snovak"],
        "bucket": ["acme-training-data", "lab-a-checkpoints", "prod-logs-2026"],
    },
}
