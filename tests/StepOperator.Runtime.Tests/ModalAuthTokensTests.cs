using System.Text;
using Microsoft.Extensions.Time.Testing;
using StepOperator.Modal;

namespace StepOperator.Runtime.Tests;

/// <summary>The auth token's lazy refresh, as libmodal's auth_token_manager.ts does it.</summary>
public sealed class ModalAuthTokensTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly List<string> _warnings = new();
    private int _fetches;

    private static string Jwt(DateTimeOffset expires)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Part("{\"alg\":\"HS256\"}")}.{Part($"{{\"exp\":{expires.ToUnixTimeSeconds()}}}")}.c2ln";
    }

    private ModalAuthTokens Tokens(Func<int, Task<string>> fetch) =>
        new(_ => fetch(Interlocked.Increment(ref _fetches)), _clock, _warnings.Add);

    [Fact]
    public async Task A_fresh_token_is_fetched_once()
    {
        var tokens = Tokens(_ => Task.FromResult(Jwt(_clock.GetUtcNow().AddMinutes(20))));
        var first = await tokens.GetAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(first, await tokens.GetAsync(CancellationToken.None));
        Assert.Equal(1, _fetches);
    }

    [Fact]
    public async Task Within_five_minutes_of_expiry_one_caller_refreshes_while_others_keep_the_old_token()
    {
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var tokens = Tokens(n => n == 1 ? Task.FromResult(Jwt(_clock.GetUtcNow().AddMinutes(20))) : release.Task);
        var old = await tokens.GetAsync(CancellationToken.None);

        _clock.Advance(TimeSpan.FromMinutes(16)); // 4 minutes left: inside the refresh window
        var refreshing = tokens.GetAsync(CancellationToken.None);
        Assert.False(refreshing.IsCompleted); // this caller waits for the new token
        Assert.Equal(old, await tokens.GetAsync(CancellationToken.None)); // the others go on with the old one
        Assert.Equal(2, _fetches);

        var fresh = Jwt(_clock.GetUtcNow().AddMinutes(20));
        release.SetResult(fresh);
        Assert.Equal(fresh, await refreshing);
        Assert.Equal(fresh, await tokens.GetAsync(CancellationToken.None));
        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task An_expired_token_makes_every_caller_wait_for_one_fetch()
    {
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var tokens = Tokens(n => n == 1 ? Task.FromResult(Jwt(_clock.GetUtcNow().AddMinutes(20))) : release.Task);
        await tokens.GetAsync(CancellationToken.None);

        _clock.Advance(TimeSpan.FromMinutes(21));
        var callers = Enumerable.Range(0, 5).Select(_ => tokens.GetAsync(CancellationToken.None)).ToList();
        Assert.All(callers, c => Assert.False(c.IsCompleted));
        var fresh = Jwt(_clock.GetUtcNow().AddMinutes(20));
        release.SetResult(fresh);

        Assert.All(await Task.WhenAll(callers), t => Assert.Equal(fresh, t));
        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task A_failed_refresh_keeps_the_still_valid_token_and_says_so()
    {
        var tokens = Tokens(n => n == 1
            ? Task.FromResult(Jwt(_clock.GetUtcNow().AddMinutes(20)))
            : Task.FromException<string>(new ModalApiException("AuthTokenGet", Grpc.Core.StatusCode.Unavailable, "down", new Exception())));
        var old = await tokens.GetAsync(CancellationToken.None);

        _clock.Advance(TimeSpan.FromMinutes(17));
        Assert.Equal(old, await tokens.GetAsync(CancellationToken.None));
        Assert.Contains(_warnings, w => w.Contains("still valid"));

        _clock.Advance(TimeSpan.FromMinutes(4)); // now expired: the failure is the caller's
        await Assert.ThrowsAsync<ModalApiException>(() => tokens.GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Refused_credentials_fail_even_with_a_valid_token()
    {
        var tokens = Tokens(n => n == 1
            ? Task.FromResult(Jwt(_clock.GetUtcNow().AddMinutes(20)))
            : Task.FromException<string>(new ModalAuthenticationException("refused")));
        await tokens.GetAsync(CancellationToken.None);

        _clock.Advance(TimeSpan.FromMinutes(17));
        await Assert.ThrowsAsync<ModalAuthenticationException>(() => tokens.GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_token_without_an_expiry_lasts_twenty_minutes()
    {
        var tokens = Tokens(n => Task.FromResult("opaque-" + n));
        Assert.Equal("opaque-1", await tokens.GetAsync(CancellationToken.None));
        _clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal("opaque-1", await tokens.GetAsync(CancellationToken.None));
        _clock.Advance(TimeSpan.FromMinutes(2)); // inside the window of its assumed 20 minutes
        Assert.Equal("opaque-2", await tokens.GetAsync(CancellationToken.None));
    }
}
