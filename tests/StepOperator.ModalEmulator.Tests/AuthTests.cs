using System.Text;
using System.Text.Json;
using Grpc.Core;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Tests;

public sealed class AuthTests
{
    private static readonly AppGetOrCreateRequest AnyApp = new() { AppName = "auth", ObjectCreationType = ObjectCreationType.CreateIfMissing };

    [Fact]
    public async Task A_call_without_the_token_or_with_a_wrong_one_is_unauthenticated()
    {
        await using var modal = await ModalEmulator.StartAsync(new ModalEmulatorOptions { TokenId = "ak-right", TokenSecret = "as-right" });
        using var wrong = new EmulatorClient(modal, "ak-right", "as-wrong");
        using var unknown = new EmulatorClient(modal, "ak-other", "as-right");
        using var missing = new EmulatorClient(modal, string.Empty, string.Empty);

        foreach (var client in new[] { wrong, unknown, missing })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => client.Raw.AppGetOrCreateAsync(AnyApp, client.Call()).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
            var tokenError = await Assert.ThrowsAsync<RpcException>(() => client.Raw.AuthTokenGetAsync(new AuthTokenGetRequest(), client.Call()).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, tokenError.StatusCode);
        }

        using var right = new EmulatorClient(modal);
        Assert.StartsWith("ap-", (await right.Raw.AppGetOrCreateAsync(AnyApp, right.Call())).AppId);
    }

    [Fact]
    public async Task A_call_without_the_client_version_fails_its_precondition()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Raw.AppGetOrCreateAsync(AnyApp, client.Call(withClientVersion: false)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("x-modal-client-version", error.Status.Detail);
    }

    [Fact]
    public async Task AuthTokenGet_returns_a_JWT_whose_exp_is_the_configured_lifetime_away()
    {
        await using var modal = await ModalEmulator.StartAsync(new ModalEmulatorOptions { AuthTokenLifetime = TimeSpan.FromMinutes(7) });
        await using var standard = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        using var standardClient = new EmulatorClient(standard);

        var token = await client.LoginAsync();
        var standardToken = await standardClient.LoginAsync();

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(Expiry(token) - now, 7 * 60 - 5, 7 * 60 + 1);
        Assert.InRange(Expiry(standardToken) - now, 20 * 60 - 5, 20 * 60 + 1);
        Assert.Equal("HS256", Part(token, 0).GetProperty("alg").GetString());

        // The token then works with the token id/secret.
        Assert.StartsWith("ap-", (await client.Raw.AppGetOrCreateAsync(AnyApp, client.Call())).AppId);
    }

    [Fact]
    public async Task An_expired_or_forged_auth_token_is_unauthenticated_but_AuthTokenGet_still_answers()
    {
        await using var modal = await ModalEmulator.StartAsync();
        await using var other = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);

        foreach (var token in new[] { modal.IssueAuthToken(TimeSpan.FromMinutes(-1)), other.IssueAuthToken(TimeSpan.FromMinutes(5)), "not.a.jwt" })
        {
            client.AuthToken = token;
            var error = await Assert.ThrowsAsync<RpcException>(() => client.Raw.AppGetOrCreateAsync(AnyApp, client.Call()).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        }

        client.AuthToken = modal.IssueAuthToken(TimeSpan.FromMinutes(-1));
        var fresh = (await client.Raw.AuthTokenGetAsync(new AuthTokenGetRequest(), client.Call())).Token;
        client.AuthToken = fresh;
        Assert.StartsWith("ap-", (await client.Raw.AppGetOrCreateAsync(AnyApp, client.Call())).AppId);
    }

    [Fact]
    public async Task An_auth_token_expires_after_its_lifetime()
    {
        await using var modal = await ModalEmulator.StartAsync(new ModalEmulatorOptions { AuthTokenLifetime = TimeSpan.FromSeconds(1) });
        using var client = new EmulatorClient(modal);
        await client.LoginAsync();
        await client.Raw.AppGetOrCreateAsync(AnyApp, client.Call());

        await Task.Delay(TimeSpan.FromSeconds(2.1));

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Raw.AppGetOrCreateAsync(AnyApp, client.Call()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("expired", error.Status.Detail);
    }

    private static long Expiry(string token) => Part(token, 1).GetProperty("exp").GetInt64();

    /// <summary>A JWT part decoded the way the JS SDK does (plain base64 after padding, as atob).</summary>
    private static JsonElement Part(string token, int index)
    {
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var text = parts[index];
        Assert.DoesNotContain('-', text);
        Assert.DoesNotContain('_', text);
        text = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        return JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(text))).RootElement;
    }
}
