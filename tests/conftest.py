import pytest


@pytest.fixture(scope="session")
def stack():
    """`make stack` started once for the whole run (every start costs half a minute) and shared by
    the stack's test modules (tests/stackkit.py); stopped at the end if a test has not stopped it.
    A test that restarts the stack (the backup's) leaves a running one behind."""
    from lms.stack import config, control
    from tests.stackkit import stack_command, stack_start

    stack_start()
    yield config.paths()
    if control.supervisor_pid() is not None:
        stack_command("stop", timeout=60)


@pytest.fixture
def fake_oauth():
    """A fake VK ID and Yandex ID on the loopback (tests/fake_oauth.py), for this test only."""
    from tests.fake_oauth import FakeProvider

    provider = FakeProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def social_on(settings, fake_oauth):
    """Both providers on, pointed at the fake: what VK_ID_* and YANDEX_ID_* in the environment do."""
    settings.SOCIALACCOUNT_PROVIDERS = fake_oauth.provider_settings()
    return fake_oauth
