"""One exception root for everything Détente raises on purpose.

The CLI catches :class:`Error` only; anything else is a bug and exits 3. Each subclass carries
the exit code the CLI uses (DESIGN.md: 0 ok, 1 check failed, 2 usage or input error,
3 internal error) and a :meth:`Error.diagnostics` text for humans.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BundleFormatError",
    "CheckFailed",
    "Error",
    "FormatError",
    "InputError",
    "KeyError_",
    "MissingDependency",
    "PayloadTypeError",
    "SignatureError",
    "UnsupportedError",
    "UsageError",
    "VerificationError",
    "WrongKeyError",
]


class Error(Exception):
    """Root of every error Détente raises deliberately."""

    exit_code: int = 2

    def diagnostics(self) -> str:
        """A human explanation, possibly several lines; defaults to the message."""
        return str(self)


class UsageError(Error):
    """The command line or the API was called with arguments that cannot work."""


class InputError(Error):
    """An input (file, directory, key, bundle) is missing, unreadable or malformed."""

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {message}" if self.path else message)
        self.problem = message


class FormatError(InputError):
    """A file is not a valid instance of the format it claims to be (hostile or corrupt)."""


class UnsupportedError(InputError):
    """A valid input uses a feature this version does not implement."""


class KeyError_(InputError):
    """A key file cannot be loaded (wrong format, wrong passphrase, unsupported curve)."""


class BundleFormatError(InputError):
    """A signature bundle is not a well-formed Sigstore bundle / DSSE envelope / statement."""


class PayloadTypeError(BundleFormatError):
    """The bundle is well formed but carries a payload or predicate we do not verify."""


class MissingDependency(UsageError):
    """An optional feature was asked for but its extra is not installed (exit 2, not a bug).

    ``module`` is the import that failed; ``extra`` the ``pip install 'detente[EXTRA]'`` that
    brings it.
    """

    def __init__(self, module: str, extra: str, feature: str | None = None) -> None:
        self.module = module
        self.extra = extra
        what = f"{feature} needs" if feature else "this needs"
        super().__init__(
            f"{what} the Python package {module!r}, which is not installed: "
            f"pip install 'detente[{extra}]'"
        )


class VerificationError(Error):
    """A security check failed: the artifact or signature is not what it claims to be."""

    exit_code = 1


class SignatureError(VerificationError):
    """The signature does not verify over the envelope's pre-authentication encoding."""


class WrongKeyError(SignatureError):
    """The bundle names a different key than the one given to verify it."""


class CheckFailed(VerificationError):
    """A comparison ran to completion and found differences (used by the CLI for exit 1)."""
