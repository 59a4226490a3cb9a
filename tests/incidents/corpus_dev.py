"""DEV redaction templates: the split the redactor is developed and tuned against."""

TEMPLATES: list[tuple[str, str, str]] = [
    (
        "prose",
        "en",
        "Summary: {person} from the red team found that {model} ({digest}) could be coaxed into writing malware. The request came from {ip} via {iurl}, authenticated with {api_key}. Files were staged at {path} and {cloud}. We classify it as {atlas}, {attack}, {cwe} and {owasp}; upstream advisory {cve}, fixed in {version}. Ping {email}.",
    ),
    (
        "prose",
        "zh",
        "摘要：红队成员{person_zh}发现{model}（{digest}）可以被诱导编写恶意软件。请求来自{ip}，经由{iurl}，使用{api_key}认证。文件暂存在{path}和{cloud}。分类为{atlas}、{attack}、{cwe}、{owasp}；上游公告{cve}，已在{version}修复。联系人：{email}。",
    ),
    (
        "markdown",
        "en",
        "## Postmortem\n\n- Detected by: {person}\n- Host: `{host}`\n- Customer: {account}\n- Model: [{model}]({purl})\n\nAttacker prompt:\n\n> {prompt}\n\nGenerated payload:\n\n```powershell\n{payload}\n```\n\nPassword reuse: the service account password was `{password}`.\n",
    ),
    (
        "markdown",
        "zh",
        "## 复盘\n\n- 发现人：{person_zh}\n- 主机：`{host}`\n- 客户：{account}\n- 模型：[{model}]({purl})\n\n攻击者提示词：\n\n> {prompt_zh}\n\n生成的载荷：\n\n```python\n{payload}\n```\n\n服务账号密码为 `{password}`。\n",
    ),
    (
        "chat",
        "en",
        "<{person}> anyone seen traffic from {ip}?\n<{person}> it's hitting {iurl} with token {api_key}\n<secbot> matched rule {atlas} / {cve}\n<{person}> dumped to {cloud}, account {account}\n",
    ),
    (
        "chat",
        "zh",
        "<{person_zh}> 有人看到来自{ip}的流量吗？\n<{person_zh}> 在用令牌{api_key}请求{iurl}\n<安全机器人> 命中规则{atlas} / {cve}\n<{person_zh}> 已导出到{cloud}，账号{account}\n",
    ),
    (
        "model_chat",
        "en",
        "### user\n{prompt}\n\n### assistant\nHere you go:\n\n```js\n{payload}\n```\n\n(served by {model} {version}; see {purl})\n",
    ),
    (
        "model_chat",
        "zh",
        "### 用户\n{prompt_zh}\n\n### 助手\n代码如下：\n\n```\n{payload}\n```\n\n（由 {model} {version} 生成，参见 {purl}）\n",
    ),
    (
        "jsonl",
        "en",
        '{{"time":"2026-11-28T10:{n}Z","src":"{ip}","tenant_id":"{account}","api_key":"{api_key}","prompt":"{prompt}","model":"{model}"}}\n{{"time":"2026-11-28T10:{n}Z","file":"{path}","bucket":"{cloud}","cwe":"{cwe}"}}\n',
    ),
    (
        "jsonl",
        "zh",
        '{{"时间":"2026-11-28T10:{n}Z","来源":"{ip}","租户ID":"{account}","密钥":"{api_key}","提示词":"{prompt_zh}"}}\n{{"文件":"{path}","主机":"{host}","技术":"{attack}"}}\n',
    ),
    (
        "shell",
        "en",
        "{person}@laptop:~$ export OPENAI_API_KEY={api_key}\n$ mysql -h {host} -u admin --password={password}\n$ gsutil ls {cloud}\n$ cat {path}\n$ docker pull vllm/vllm-openai:{version}\n$ traceroute {ip}\n",
    ),
    (
        "shell",
        "zh",
        "# 排查记录 {person_zh}\n$ kubectl exec -it pod -- env | grep TOKEN\nTOKEN={api_key}\n$ curl {iurl}\n$ ls {path}\n# 参考 {purl}\n",
    ),
    (
        "email",
        "en",
        "Subject: incident involving {model}\nFrom: {email}\n\nDear colleagues,\n\n{person} found a backdoored checkpoint ({digest}) uploaded from {ip}. The uploader used {api_key}. Private key leaked:\n\n{private_key}\n\nWe track it as {atlas}, {cwe}.\n\nBest,\n{person}\n",
    ),
    (
        "email",
        "zh",
        "主题：{model} 安全事件\n发件人：{email}\n\n各位同事：\n\n{person_zh}发现了从{ip}上传的后门检查点（{digest}），上传者使用了{api_key}。泄露的私钥如下：\n\n{private_key}\n\n分类：{atlas}、{cwe}。\n\n{person_zh}\n",
    ),
    (
        "yaml",
        "en",
        "report:\n  owner: {person}\n  host: {host}\n  db_password: {password}\n  storage: {cloud}\n  aws_secret_access_key: {aws_secret}\n  policy: {iam_policy}\n  refs: [{owasp}, {attack}]\n",
    ),
    (
        "yaml",
        "zh",
        "报告:\n  负责人: {person_zh}\n  存储: {cloud}\n  令牌: {api_key}\n  参考: [{atlas}, {cve}]\n  版本: {version}\n",
    ),
    (
        "ticket",
        "en",
        "Ticket INC-812\nAssignee: {person}\nCustomer ID: {account}\nImpacted host: {host} ({ip})\nCredential: {api_key}\nSession: {aws_session}\nRefs: {cve}, {owasp}, commit {commit}\n",
    ),
    (
        "ticket",
        "zh",
        "工单 INC-812\n处理人：{person_zh}\n客户ID：{account}\n受影响主机：{host}（{ip}）\n凭据：{api_key}\n参考：{cve}、{owasp}\n",
    ),
    (
        "csv",
        "en",
        "ts,user,ip,key,ref\n10:01,{email},{ip},{api_key},{cve}\n10:02,{person},{ip},{cloud},{cwe}\n",
    ),
    (
        "csv",
        "zh",
        "时间,用户,地址,密钥,参考\n10:01,{person_zh},{ip},{api_key},{owasp}\n10:02,{email},{host},{cloud},{atlas}\n",
    ),
    (
        "timeline",
        "en",
        "- 10:01 {person} opened a ticket about {model}\n- 10:05 gateway {iurl} logged requests from {ip}\n- 10:09 rotated {api_key}\n- 10:30 GCP key id {gcp_key_id} disabled\n- 11:00 advisory published: {purl} ({cve}, {atlas})\n",
    ),
    (
        "timeline",
        "zh",
        "- 10:01 {person_zh}就{model}提交工单\n- 10:05 网关{iurl}记录了来自{ip}的请求\n- 10:09 轮换密钥{api_key}\n- 11:00 发布公告：{purl}（{cve}、{atlas}）\n",
    ),
]
