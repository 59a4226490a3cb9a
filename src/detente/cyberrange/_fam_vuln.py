"""stub"""
from detente.cyberrange._gen import Family
FAMILIES: list[tuple[str, Family]] = []
