"""Password validators with the project's Chinese messages.

Django 5.2 changed the minimum-length message's msgid (``%d`` instead of ``%(min_length)d``) and its Chinese
catalogue still has the old one, so "too short" came out in English in the admin and in ``create_account``.
The admin and the commands are always Chinese: the message is written here."""
from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return f"密码长度太短。密码必须包含至少 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"你的密码必须包含至少 {self.min_length} 个字符。"
