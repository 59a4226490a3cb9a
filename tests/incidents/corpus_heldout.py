"""HELD-OUT redaction templates: written before the redactor, never used to tune it.

Measured on only; if a template here fails, the fix goes into the dev split's coverage first.
"""

TEMPLATES: list[tuple[str, str, str]] = [
    (
        "prose",
        "en",
        "On the night of the incident {person} noticed that the fine-tuned {model} answered a jailbreak. The attacker connected from {ip} and used the key {api_key} to call our gateway at {iurl}. This matches {atlas} and {cve}; the logs were copied to {cloud}. Contact {email} for details.",
    ),
    (
        "prose",
        "zh",
        "事件当晚，{person_zh}工程师发现微调后的{model}回答了越狱请求。攻击者从{ip}连接，使用密钥{api_key}访问了内部网关{iurl}。该行为对应{atlas}和{owasp}，日志已复制到{cloud}。如需细节请联系{email}。",
    ),
    (
        "markdown",
        "en",
        "# Incident IR-2291: jailbreak to malware\n\n**Reporter:** {person}  \n**Affected:** {model} ({digest})\n\n## What happened\n\nThe user sent the following prompt:\n\n> {prompt}\n\nThe model replied with working code:\n\n```python\n{payload}\n```\n\nMapped to {atlas}, {attack} and {cwe}. See {purl}. Raw transcript: `{path}`.\n",
    ),
    (
        "markdown",
        "zh",
        "# 事件报告：越狱生成恶意代码\n\n**报告人：** {person_zh}\n**受影响模型：** {model}（{digest}）\n\n## 经过\n\n用户发送了如下提示词：\n\n> {prompt_zh}\n\n模型返回了可运行的代码：\n\n```bash\n{payload}\n```\n\n对应 {atlas}、{cwe} 与 {owasp}。原始记录存放在 `{path}`。\n",
    ),
    (
        "chat",
        "en",
        "[09:14] {person}: heads up, someone is hammering {host} from {ip}\n[09:15] oncall-bot: alert fired for tenant {account}\n[09:16] {person}: creds were in the repo, password: {password}\n[09:17] {person}: rotating {api_key} now, upstream is {purl}\n",
    ),
    (
        "chat",
        "zh",
        "[09:14] {person_zh}：注意，有人从{ip}大量访问{host}\n[09:15] 值班机器人：租户{account}触发告警\n[09:16] {person_zh}：仓库里有明文密码：{password}\n[09:17] {person_zh}：正在轮换{api_key}，相关版本{version}\n",
    ),
    (
        "model_chat",
        "en",
        "User: {prompt}\nAssistant: I can't help with that.\nUser: {prompt}\nAssistant: Sure. Here is the script:\n```\n{payload}\n```\n(model {model}, build {version}, technique {atlas})\n",
    ),
    (
        "model_chat",
        "zh",
        "用户：{prompt_zh}\n助手：抱歉，我不能帮助。\n用户：{prompt_zh}\n助手：好的，代码如下：\n```\n{payload}\n```\n（模型 {model}，版本 {version}，技术 {atlas}）\n",
    ),
    (
        "jsonl",
        "en",
        '{{"ts":"2026-11-29T23:10:{n}Z","level":"warn","client_ip":"{ip}","customer_id":"{account}","auth":"Bearer {api_key}","model":"{model}","msg":"policy bypass"}}\n{{"ts":"2026-11-29T23:11:{n}Z","level":"error","path":"{path}","upstream":"{iurl}","ref":"{cve}"}}\n',
    ),
    (
        "jsonl",
        "zh",
        '{{"时间":"2026-11-29T23:10:{n}Z","级别":"警告","来源IP":"{ip}","客户ID":"{account}","令牌":"{api_key}","说明":"检测到越狱，技术 {atlas}"}}\n{{"时间":"2026-11-29T23:11:{n}Z","文件":"{path}","存储":"{cloud}"}}\n',
    ),
    (
        "shell",
        "en",
        "$ aws s3 cp {cloud} . --profile prod\n$ export AWS_ACCESS_KEY_ID={api_key}\n$ export AWS_SECRET_ACCESS_KEY={aws_secret}\n$ ssh deploy@{host} -i {path}\n$ pip install transformers=={version}\n$ curl {purl}\n",
    ),
    (
        "shell",
        "zh",
        "# 复现步骤（{person_zh} 提供）\n$ git clone {purl}\n$ export HF_TOKEN={api_key}\n$ python replay.py --target {iurl} --log {path}\n$ ping {ip}\n# 参见 {cve}\n",
    ),
    (
        "email",
        "en",
        "From: {person} <{email}>\nTo: security@partner-lab.org\nSubject: [TLP:AMBER] Incident involving {model}\n\nHi team,\n\nWe confirmed an exfiltration via tool calls on {host}. The agent uploaded data for customer {account} to {cloud}. The leaked service key was {api_key}. Relevant: {owasp}, {attack}, commit {commit}.\n\nRegards,\n{person}\n",
    ),
    (
        "email",
        "zh",
        "发件人：{person_zh} <{email}>\n主题：[TLP:AMBER] 关于 {model} 的安全事件\n\n各位好：\n\n我们确认智能体通过工具调用从{host}外传了客户{account}的数据，目标为{cloud}，泄露的密钥为{api_key}。相关条目：{owasp}、{cwe}。\n\n{person_zh}\n",
    ),
    (
        "yaml",
        "en",
        "incident:\n  model: {model}\n  digest: {digest}\n  endpoint: {iurl}\n  source_ip: {ip}\n  gcp:\n    private_key_id: {gcp_key_id}\n    private_key: |\n{private_key}\n  references: [{cve}, {atlas}]\n",
    ),
    (
        "yaml",
        "zh",
        "事件:\n  模型: {model}\n  负责人: {person_zh}\n  数据库密码: {password}\n  主机: {host}\n  参考: [{cwe}, {owasp}]\n",
    ),
    (
        "ticket",
        "en",
        "SEC-4410 | Priority: P1 | Reporter: {person}\nSummary: agent exfiltrated data for {account}\nEnvironment: {host} / {ip}\nSession token: {aws_session}\nLinks: {purl} {iurl}\nTaxonomy: {atlas} {attack} {owasp}\n",
    ),
    (
        "ticket",
        "zh",
        "工单 SEC-4410 | 优先级：P1 | 报告人：{person_zh}\n摘要：智能体外传了{account}的数据\n环境：{host} / {ip}\n凭据：{api_key}\n分类：{atlas} {cwe}\n",
    ),
    (
        "csv",
        "en",
        "time,actor,source,indicator,technique\n2026-11-29T23:10Z,{person},{ip},{api_key},{atlas}\n2026-11-29T23:12Z,{email},{host},{cloud},{attack}\n",
    ),
    (
        "csv",
        "zh",
        "时间,人员,来源,指标,技术\n2026-11-29T23:10Z,{person_zh},{ip},{api_key},{atlas}\n2026-11-29T23:12Z,{email},{host},{path},{cwe}\n",
    ),
    (
        "timeline",
        "en",
        "| time (UTC) | event |\n|---|---|\n| 23:10 | {person} reports odd output from {model} {version} |\n| 23:20 | traffic from {ip} blocked on {host} |\n| 23:40 | key {api_key} revoked; see {purl} |\n| 00:05 | payload `{payload}` found in {path} |\n",
    ),
    (
        "timeline",
        "zh",
        "| 时间 | 事件 |\n|---|---|\n| 23:10 | {person_zh}报告{model}输出异常 |\n| 23:20 | 在{host}上封禁{ip} |\n| 23:40 | 吊销密钥{api_key}，参见{cve} |\n| 00:05 | 在{path}发现载荷 |\n",
    ),
]
