using System;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Modal;

/// <summary>
/// The client's Modal auth token (from AuthTokenGet), refreshed lazily as libmodal does
/// (modal-js/src/auth_token_manager.ts): a caller that finds no token or an expired one waits for the one
/// fetch in flight; a caller that finds it within <see cref="RefreshWindow"/> of expiry fetches a new one
/// while every other caller goes on with the old, still valid token; a failed refresh keeps the old token
/// while it is valid (refused credentials always fail).
/// </summary>
internal sealed class ModalAuthTokens(Func<CancellationToken, Task<string>> fetch, TimeProvider time, Action<string>? warn = null)
{
    /// <summary>How long before expiry a token is refreshed (libmodal's REFRESH_WINDOW).</summary>
    public static readonly TimeSpan RefreshWindow = TimeSpan.FromMinutes(5);

    /// <summary>The lifetime assumed for a token without an exp claim (libmodal's DEFAULT_EXPIRY_OFFSET).</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(20);

    private readonly object _gate = new();
    private Task? _refresh;
    private string? _token;
    private DateTimeOffset _expires;

    /// <summary>A token valid now.</summary>
    public async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        Task refresh;
        TaskCompletionSource? started = null;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_token is { } valid && now < _expires)
            {
                if (now < _expires - RefreshWindow || _refresh is not null)
                {
                    return valid; // fresh, or another caller is refreshing it: the old one is still good
                }
            }

            if (_refresh is null)
            {
                // This caller fetches; the task is the refresh in flight before the fetch starts.
                started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _refresh = started.Task;
            }

            refresh = _refresh;
        }

        if (started is not null)
        {
            _ = RefreshAsync(started);
        }

        try
        {
            await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ModalAuthenticationException)
        {
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException && CurrentIfValid() is { } old)
        {
            warn?.Invoke($"Refreshing the Modal auth token failed ({e.Message}); the current token is still valid and is used.");
            return old;
        }

        return CurrentIfValid() ?? throw new InvalidOperationException("AuthTokenGet gave a token that has already expired.");
    }

    private string? CurrentIfValid()
    {
        lock (_gate)
        {
            return _token is { } token && time.GetUtcNow() < _expires ? token : null;
        }
    }

    private async Task RefreshAsync(TaskCompletionSource done)
    {
        try
        {
            // Not the caller's cancellation: other callers share this fetch.
            var token = await fetch(CancellationToken.None).ConfigureAwait(false);
            lock (_gate)
            {
                _token = token;
                _expires = ExpiryOf(token) ?? time.GetUtcNow() + DefaultLifetime;
                _refresh = null;
            }

            done.SetResult();
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _refresh = null;
            }

            done.SetException(e);
        }
    }

    /// <summary>The JWT's exp claim, when the token is a JWT.</summary>
    public static DateTimeOffset? ExpiryOf(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var json = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            return json.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }
}
