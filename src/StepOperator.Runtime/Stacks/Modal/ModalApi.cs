using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using StepOperator.Stacks.Modal.Protocol;

namespace StepOperator.Stacks.Modal;

/// <summary>
/// Modal's client API over gRPC, as Modal's own SDKs speak it: the client metadata headers, an auth
/// token from AuthTokenGet (fetched before the first call, refreshed before it expires), and retries
/// of unary calls (DEADLINE_EXCEEDED, UNAVAILABLE, CANCELLED, INTERNAL, UNKNOWN; 3 retries, 100 ms
/// doubling to 1 s, or the delay the server asks for in an RPCRetryPolicy) with one idempotency key
/// per logical call. Bad credentials fail at once with where the token came from.
/// </summary>
public sealed class ModalApi : IDisposable
{
    public const string ClientType = "8";
    public const string ClientVersion = "1.0.0";
    public const int MaxRetries = 3;

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromMinutes(20);
    private static readonly HashSet<StatusCode> Retryable = new()
    {
        StatusCode.DeadlineExceeded, StatusCode.Unavailable, StatusCode.Cancelled, StatusCode.Internal, StatusCode.Unknown,
    };

    private readonly GrpcChannel _channel;
    private readonly SemaphoreSlim _tokenGate = new(1, 1);
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private string? _authToken;
    private DateTimeOffset _authTokenExpires;

    public ModalApi(ModalCredentials credentials, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        Credentials = credentials;
        _delay = delay ?? Task.Delay;
        _channel = GrpcChannel.ForAddress(credentials.ServerUrl, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) },
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
        Client = new ModalClient.ModalClientClient(_channel);
    }

    public ModalCredentials Credentials { get; }

    /// <summary>The generated client, for calls this class does not wrap (streams use <see cref="HeadersAsync"/>).</summary>
    public ModalClient.ModalClientClient Client { get; }

    public Task<AppGetOrCreateResponse> AppGetOrCreateAsync(AppGetOrCreateRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.AppGetOrCreate), request, (r, o) => Client.AppGetOrCreateAsync(r, o), cancellationToken);

    public Task<EnvironmentGetOrCreateResponse> EnvironmentGetOrCreateAsync(EnvironmentGetOrCreateRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.EnvironmentGetOrCreate), request, (r, o) => Client.EnvironmentGetOrCreateAsync(r, o), cancellationToken);

    public Task<SecretGetOrCreateResponse> SecretGetOrCreateAsync(SecretGetOrCreateRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.SecretGetOrCreate), request, (r, o) => Client.SecretGetOrCreateAsync(r, o), cancellationToken);

    public Task<ImageGetOrCreateResponse> ImageGetOrCreateAsync(ImageGetOrCreateRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.ImageGetOrCreate), request, (r, o) => Client.ImageGetOrCreateAsync(r, o), cancellationToken);

    public Task<SandboxCreateResponse> SandboxCreateAsync(SandboxCreateRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.SandboxCreate), request, (r, o) => Client.SandboxCreateAsync(r, o), cancellationToken);

    public Task<SandboxGetTaskIdResponse> SandboxGetTaskIdAsync(SandboxGetTaskIdRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.SandboxGetTaskId), request, (r, o) => Client.SandboxGetTaskIdAsync(r, o), cancellationToken,
            deadline: request.HasTimeout ? TimeSpan.FromSeconds(request.Timeout + 30) : null);

    public Task<SandboxWaitResponse> SandboxWaitAsync(SandboxWaitRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.SandboxWait), request, (r, o) => Client.SandboxWaitAsync(r, o), cancellationToken, deadline: TimeSpan.FromSeconds(request.Timeout + 30));

    public Task<SandboxTerminateResponse> SandboxTerminateAsync(SandboxTerminateRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.SandboxTerminate), request, (r, o) => Client.SandboxTerminateAsync(r, o), cancellationToken);

    /// <summary>Metadata for a call: client identity, token, and (after AuthTokenGet) the auth token.</summary>
    public async Task<Metadata> HeadersAsync(CancellationToken cancellationToken)
    {
        await EnsureAuthTokenAsync(cancellationToken).ConfigureAwait(false);
        return BaseHeaders(includeAuthToken: true);
    }

    /// <summary>A failed call, explained; authentication failures name where the token came from.</summary>
    public Exception Explain(RpcException error, string rpc) => error.StatusCode switch
    {
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => new ModalAuthenticationException(
            $"Modal refused the token from {Credentials.Source} ({error.StatusCode}: {error.Status.Detail}) on {rpc}. " +
            "Check the token id and secret (run 'modal token new', or update the step operator's token_id/token_secret)."),
        _ => new ModalApiException(rpc, error.StatusCode, error.Status.Detail, error),
    };

    private async Task<TResponse> UnaryAsync<TRequest, TResponse>(
        string rpc, TRequest request, Func<TRequest, CallOptions, AsyncUnaryCall<TResponse>> call, CancellationToken cancellationToken, TimeSpan? deadline = null)
    {
        await EnsureAuthTokenAsync(cancellationToken).ConfigureAwait(false);
        return await WithRetriesAsync(rpc, request, call, includeAuthToken: true, cancellationToken, deadline).ConfigureAwait(false);
    }

    private async Task<TResponse> WithRetriesAsync<TRequest, TResponse>(
        string rpc, TRequest request, Func<TRequest, CallOptions, AsyncUnaryCall<TResponse>> call, bool includeAuthToken, CancellationToken cancellationToken, TimeSpan? deadline)
    {
        var idempotencyKey = Guid.NewGuid().ToString();
        var firstAttempt = DateTimeOffset.UtcNow;
        var delay = FirstDelay;
        for (var attempt = 0; ; attempt++)
        {
            var headers = BaseHeaders(includeAuthToken);
            headers.Add("x-idempotency-key", idempotencyKey);
            headers.Add("x-retry-attempt", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (attempt > 0)
            {
                headers.Add("x-retry-delay", (DateTimeOffset.UtcNow - firstAttempt).TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
            }

            var options = new CallOptions(headers, deadline is null ? null : DateTime.UtcNow + deadline, cancellationToken);
            try
            {
                using var pending = call(request, options);
                return await pending.ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException e) when (Retryable.Contains(e.StatusCode) && attempt < MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                var wait = ServerRetryDelay(e) ?? delay;
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
                await _delay(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (cancellationToken.IsCancellationRequested)
            {
                // Cancelled by the caller (Ctrl-C, another step failed first): a cancellation, not a Modal failure.
                throw new OperationCanceledException($"Modal {rpc} was cancelled.", e, cancellationToken);
            }
            catch (RpcException e)
            {
                throw Explain(e, rpc);
            }
        }
    }

    /// <summary>The delay a server asks for: an RPCRetryPolicy inside the RPCStatus in grpc-status-details-bin.</summary>
    public static TimeSpan? ServerRetryDelay(RpcException error)
    {
        var details = error.Trailers.FirstOrDefault(t => t.Key == "grpc-status-details-bin" && t.IsBinary);
        if (details is null)
        {
            return null;
        }

        try
        {
            var status = RPCStatus.Parser.ParseFrom(details.ValueBytes);
            foreach (var any in status.Details)
            {
                if (any.Is(RPCRetryPolicy.Descriptor))
                {
                    return TimeSpan.FromSeconds(any.Unpack<RPCRetryPolicy>().RetryAfterSecs);
                }
            }
        }
        catch (InvalidProtocolBufferException)
        {
            // Details this client does not understand: fall back to its own backoff.
        }

        return null;
    }

    private Metadata BaseHeaders(bool includeAuthToken)
    {
        var headers = new Metadata
        {
            { "x-modal-client-type", ClientType },
            { "x-modal-client-version", ClientVersion },
            { "x-modal-token-id", Credentials.TokenId },
            { "x-modal-token-secret", Credentials.TokenSecret },
        };
        if (includeAuthToken && _authToken is not null)
        {
            headers.Add("x-modal-auth-token", _authToken);
        }

        return headers;
    }

    private async Task EnsureAuthTokenAsync(CancellationToken cancellationToken)
    {
        if (_authToken is not null && DateTimeOffset.UtcNow < _authTokenExpires - TimeSpan.FromMinutes(1))
        {
            return;
        }

        await _tokenGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_authToken is not null && DateTimeOffset.UtcNow < _authTokenExpires - TimeSpan.FromMinutes(1))
            {
                return;
            }

            var response = await WithRetriesAsync(nameof(ModalClient.ModalClientClient.AuthTokenGet), new AuthTokenGetRequest(),
                (r, o) => Client.AuthTokenGetAsync(r, o), includeAuthToken: false, cancellationToken, deadline: null).ConfigureAwait(false);
            _authToken = response.Token;
            _authTokenExpires = ExpiryOf(response.Token) ?? DateTimeOffset.UtcNow + DefaultTokenLifetime;
        }
        finally
        {
            _tokenGate.Release();
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

    public void Dispose()
    {
        _channel.Dispose();
        _tokenGate.Dispose();
    }
}

/// <summary>Modal refused the credentials.</summary>
public sealed class ModalAuthenticationException(string message) : Exception(message);

/// <summary>A Modal API call failed with a status other than bad credentials.</summary>
public sealed class ModalApiException(string rpc, StatusCode status, string detail, Exception inner)
    : Exception($"Modal {rpc} failed: {status}: {detail}", inner)
{
    public StatusCode Status { get; } = status;
}
