def serial_for_ok(user, serial):
    """Serial format: XXXX-YYYY; XXXX = hex of the checksum of the user name, YYYY = hex of
    the checksum of XXXX."""
    def checksum(text):
        h = 0
        for ch in text:
            h = (h * 31 + ord(ch)) % 9973
        return h
    try:
        head, tail = serial.split("-")
    except ValueError:
        return False
    return int(head, 16) == checksum(user) and int(tail, 16) == checksum(head)
