import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import base64, tarfile
with tarfile.open("backup.tar") as tar:
    for member in tar.getmembers():
        text = tar.extractfile(member).read().decode()
        m = re.search(r"remember: (\S+)", text)
        if m:
            flag(base64.b64decode(m.group(1)).decode())
