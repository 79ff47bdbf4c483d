using System.Text;
using StepOperator.Modal;

namespace StepOperator.Runtime.Tests;

public sealed class ModalCredentialsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("stepoperator-modal-").FullName;
    private readonly Dictionary<string, string> _variables = new();

    public ModalCredentialsTests() => _variables["MODAL_CONFIG_PATH"] = Path.Combine(_directory, "modal.toml");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private ModalCredentials Resolve(string? id = null, string? secret = null) =>
        ModalCredentials.Resolve(id, secret, variables: name => _variables.GetValueOrDefault(name));

    private void WriteToml(string text) => File.WriteAllText(_variables["MODAL_CONFIG_PATH"], text);

    [Fact]
    public void Explicit_tokens_win_over_the_environment_and_the_profile()
    {
        _variables["MODAL_TOKEN_ID"] = "ak-env";
        _variables["MODAL_TOKEN_SECRET"] = "as-env";
        var credentials = Resolve("ak-explicit", "as-explicit");
        Assert.Equal(("ak-explicit", "as-explicit"), (credentials.TokenId, credentials.TokenSecret));
        Assert.Equal("the step operator's token_id/token_secret", credentials.Source);
        Assert.DoesNotContain("as-explicit", credentials.ToString());
        Assert.DoesNotContain("ak-explicit", credentials.ToString());
    }

    [Theory]
    [InlineData("ak-only", null)]
    [InlineData(null, "as-only")]
    public void Only_one_of_id_and_secret_is_the_seeds_error(string? id, string? secret)
    {
        var error = Assert.Throws<ModalConfigurationException>(() => Resolve(id, secret));
        Assert.Contains("token_id and token_secret must be given together", error.Message);
    }

    [Fact]
    public void The_environment_comes_next_with_server_and_environment_name()
    {
        _variables["MODAL_TOKEN_ID"] = "ak-env";
        _variables["MODAL_TOKEN_SECRET"] = "as-env";
        _variables["MODAL_SERVER_URL"] = "http://127.0.0.1:9999";
        _variables["MODAL_ENVIRONMENT"] = "dev";
        var credentials = Resolve();
        Assert.Equal(("ak-env", "http://127.0.0.1:9999", "dev", "MODAL_TOKEN_ID/MODAL_TOKEN_SECRET"),
            (credentials.TokenId, credentials.ServerUrl, credentials.Environment, credentials.Source));
    }

    [Fact]
    public void Then_the_active_profile_of_modal_toml()
    {
        WriteToml("""
            [old]
            token_id = "ak-old"
            token_secret = "as-old"

            [work]
            token_id = "ak-work"
            token_secret = "as-work"
            server_url = "http://127.0.0.1:7777"
            environment = "staging"
            active = true
            """);
        var credentials = Resolve();
        Assert.Equal(("ak-work", "as-work", "http://127.0.0.1:7777", "staging"), (credentials.TokenId, credentials.TokenSecret, credentials.ServerUrl, credentials.Environment));
        Assert.Contains("profile 'work'", credentials.Source);

        _variables["MODAL_PROFILE"] = "old";
        Assert.Equal("ak-old", Resolve().TokenId);
        Assert.Equal(ModalCredentials.DefaultServerUrl, Resolve().ServerUrl);

        _variables["MODAL_PROFILE"] = "missing";
        Assert.Contains("has no such profile (profiles: old, work)", Assert.Throws<ModalConfigurationException>(() => Resolve()).Message);
    }

    [Fact]
    public void Without_an_active_profile_the_default_profile_is_used()
    {
        WriteToml("""
            [default]
            token_id = "ak-default"
            token_secret = "as-default"
            image_builder_version = "2024.10"
            """);
        var credentials = Resolve();
        Assert.Equal(("ak-default", "as-default", "2024.10"), (credentials.TokenId, credentials.TokenSecret, credentials.ImageBuilderVersion));
        Assert.Contains("profile 'default'", credentials.Source);
    }

    [Fact]
    public void Two_active_profiles_are_refused_with_the_fix()
    {
        WriteToml("""
            [a]
            token_id = "ak-a"
            token_secret = "as-a"
            active = true

            [b]
            token_id = "ak-b"
            token_secret = "as-b"
            active = true
            """);
        var error = Assert.Throws<ModalConfigurationException>(() => Resolve());
        Assert.Contains("More than one profile", error.Message);
        Assert.Contains("(a, b)", error.Message);
        Assert.Contains("MODAL_PROFILE", error.Message);
    }

    [Fact]
    public void The_environment_overrides_the_profile_key_by_key()
    {
        WriteToml("""
            [work]
            token_id = "ak-work"
            token_secret = "as-work"
            server_url = "http://127.0.0.1:7777"
            image_builder_version = "2024.10"
            max_throttle_wait = 30
            sandbox_v2 = false
            active = true
            """);
        _variables["MODAL_TOKEN_ID"] = "ak-env";
        _variables["MODAL_IMAGE_BUILDER_VERSION"] = "2025.06";
        var credentials = Resolve();

        Assert.Equal(("ak-env", "as-work"), (credentials.TokenId, credentials.TokenSecret));
        Assert.Equal("MODAL_TOKEN_ID with the token_secret of " + _variables["MODAL_CONFIG_PATH"] + " profile 'work'", credentials.Source);
        Assert.Equal("http://127.0.0.1:7777", credentials.ServerUrl);
        Assert.Equal("2025.06", credentials.ImageBuilderVersion);
        Assert.Equal(TimeSpan.FromSeconds(30), credentials.MaxThrottleWait);
        Assert.False(credentials.SandboxV2);

        _variables["MODAL_MAX_THROTTLE_WAIT"] = "0";
        _variables["MODAL_SANDBOX_V2"] = "1";
        credentials = Resolve();
        Assert.Equal(TimeSpan.Zero, credentials.MaxThrottleWait);
        Assert.True(credentials.SandboxV2);
    }

    [Fact]
    public void Client_settings_have_the_sdks_defaults()
    {
        _variables["MODAL_TOKEN_ID"] = "ak-env";
        _variables["MODAL_TOKEN_SECRET"] = "as-env";
        var credentials = Resolve();
        Assert.Null(credentials.ImageBuilderVersion);
        Assert.True(credentials.SandboxV2);
        Assert.Equal(ModalCredentials.DefaultMaxThrottleWait, credentials.MaxThrottleWait);
    }

    [Fact]
    public void A_bad_max_throttle_wait_names_the_setting()
    {
        _variables["MODAL_TOKEN_ID"] = "ak-env";
        _variables["MODAL_TOKEN_SECRET"] = "as-env";
        _variables["MODAL_MAX_THROTTLE_WAIT"] = "soon";
        var error = Assert.Throws<ModalConfigurationException>(() => Resolve());
        Assert.Contains("max_throttle_wait is 'soon'", error.Message);
        Assert.Contains("whole number of seconds", error.Message);
    }

    [Fact]
    public void Half_a_token_says_which_half_is_missing()
    {
        _variables["MODAL_TOKEN_ID"] = "ak-env";
        var error = Assert.Throws<ModalConfigurationException>(() => Resolve());
        Assert.Contains("Found a token id (MODAL_TOKEN_ID) but no token secret.", error.Message);
    }

    [Fact]
    public void No_token_anywhere_names_all_three_sources()
    {
        var error = Assert.Throws<ModalConfigurationException>(() => Resolve());
        Assert.Contains("step-operator update <name> --token_id=... --token_secret=...", error.Message);
        Assert.Contains("MODAL_TOKEN_ID and MODAL_TOKEN_SECRET", error.Message);
        Assert.Contains(_variables["MODAL_CONFIG_PATH"], error.Message);
    }

    [Fact]
    public void A_jwt_expiry_is_read_from_its_exp_claim()
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var token = $"{Part("{\"alg\":\"HS256\"}")}.{Part("{\"exp\":1900000000}")}.c2ln";
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_900_000_000), ModalAuthTokens.ExpiryOf(token));
        Assert.Null(ModalAuthTokens.ExpiryOf("not-a-jwt"));
    }
}
