"""API-key setup: the KeyWizard (environment, fields, live check, summary) and the AccountsDialog."""

from bitget_desktop.ui.wizard.accounts import AccountsDialog
from bitget_desktop.ui.wizard.wizard import KeyWizard

__all__ = ["AccountsDialog", "KeyWizard"]
