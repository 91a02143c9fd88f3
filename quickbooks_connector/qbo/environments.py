"""Where a QuickBooks Online connection talks to: Intuit production, Intuit sandbox, or a custom base URL."""

from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit


class Environment(str, Enum):
	PRODUCTION = "production"
	SANDBOX = "sandbox"
	CUSTOM = "custom"  # the local emulator, or any stand-in serving Intuit's paths under one base URL


@dataclass(frozen=True)
class Endpoints:
	authorize_url: str
	token_url: str
	revoke_url: str
	api_base: str  # ".../v3"; company URLs are f"{api_base}/company/{realm_id}/..."

	@property
	def plain_http(self) -> bool:
		"""True for an emulator served over http://: the only endpoints credentials may be sent to without TLS."""
		return any(
			urlsplit(url).scheme == "http" for url in (self.authorize_url, self.token_url, self.revoke_url)
		)


# OAuth endpoints are the same for sandbox and production; only the API host differs.
_AUTHORIZE_URL = "https://appcenter.intuit.com/connect/oauth2"
_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
_REVOKE_URL = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
_API_HOSTS = {
	Environment.PRODUCTION: "https://quickbooks.api.intuit.com",
	Environment.SANDBOX: "https://sandbox-quickbooks.api.intuit.com",
}


def endpoints_for(environment: Environment | str, base_url: str | None = None) -> Endpoints:
	"""Endpoints for an environment; `custom` serves all four under `base_url` with Intuit's paths."""
	environment = Environment(environment)
	if environment is Environment.CUSTOM:
		return _custom_endpoints(base_url)
	if base_url:
		raise ValueError(f"base_url is only used with the custom environment, not {environment.value}")
	return Endpoints(_AUTHORIZE_URL, _TOKEN_URL, _REVOKE_URL, f"{_API_HOSTS[environment]}/v3")


def _custom_endpoints(base_url: str | None) -> Endpoints:
	parts = urlsplit(base_url or "")
	if parts.scheme not in ("http", "https") or not parts.netloc:
		raise ValueError(f"the custom environment needs an absolute http(s) base_url, got {base_url!r}")
	base = base_url.rstrip("/")
	return Endpoints(
		authorize_url=f"{base}/connect/oauth2",
		token_url=f"{base}/oauth2/v1/tokens/bearer",
		revoke_url=f"{base}/v2/oauth2/tokens/revoke",
		api_base=f"{base}/v3",
	)
