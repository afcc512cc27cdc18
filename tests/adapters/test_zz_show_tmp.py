from bot.app import App
from bot.model import CommandRequest, User
from tests.adapters.test_golden import CHAT_SESSION, rendered_words
import pytest

@pytest.mark.parametrize("language", ["de", "en"])
async def test_show(seeded_app: App, language: str) -> None:
    await seeded_app.answers.set_language("discord", "g", language)
    admin = User(id="U1", name="admin", is_admin=True)
    for name, options in CHAT_SESSION + (("subscribe", {"time": "08:00"}),):
        reply = await seeded_app.router.handle(CommandRequest(name, options, user=admin, platform="discord", channel="C1", community="g"))
        print(f"--- /{name} {options}")
        print(rendered_words("console", reply, language))
    reply = await seeded_app.router.handle(CommandRequest("subscribe", {"time": "08:00"}, user=User(id="U2"), platform="discord", channel="C1", community="g"))
    print(rendered_words("console", reply, language))
    reply = await seeded_app.router.handle(CommandRequest("help", {}, user=admin, platform="discord", channel="C1", community="g"))
    print(rendered_words("console", reply, language))
