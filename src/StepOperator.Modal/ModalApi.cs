using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using StepOperator.Docker;
using StepOperator.Modal.Protocol;

namespace StepOperator.Modal;

/// <summary>
/// Modal's client API over gRPC, as Modal's own SDKs speak it (modal-js/src/client.ts, modal-go/client.go,
/// py/modal/_utils/grpc_utils.py): the client metadata headers, an auth token from AuthTokenGet refreshed lazily
/// (<see cref="ModalAuthTokens"/>), retries of unary calls (DEADLINE_EXCEEDED, UNAVAILABLE, CANCELLED, INTERNAL,
/// UNKNOWN; 3 retries, 100 ms doubling to 1 s) with one idempotency key per logical call, and a server's
/// RPCRetryPolicy honoured on any status, outside that budget, for at most
/// <see cref="ModalCredentials.MaxThrottleWait"/>. Bad credentials fail at once with where the token came from.
/// </summary>
/// <remarks>
/// Identity: Modal has no client type for .NET. This client speaks the protocol libmodal's JS SDK speaks (same RPCs,
/// same retry, throttling and token rules, "behaves like Python SDK 1.0.0"), so it sends that client type (8,
/// CLIENT_TYPE_LIBMODAL_JS) and client version, and names itself in x-modal-libmodal-version
/// (<c>stepoperator-dotnet/&lt;version&gt;</c>) so Modal can tell its calls from modal-js's.
/// </remarks>
internal sealed class ModalApi : IDisposable
{
    public const string ClientType = "8";
    public const string ClientVersion = "1.0.0";
    public const int MaxRetries = 3;

    /// <summary>The shortest wait a server's retry policy gets (Modal's SDKs: 100 ms).</summary>
    public static readonly TimeSpan MinThrottleDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a throttled client says so (Modal's SDKs warn at most every 30 s).</summary>
    private static readonly TimeSpan ThrottleWarningInterval = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);
    private static readonly HashSet<StatusCode> Retryable = new()
    {
        StatusCode.DeadlineExceeded, StatusCode.Unavailable, StatusCode.Cancelled, StatusCode.Internal, StatusCode.Unknown,
    };

    private readonly GrpcChannel _channel;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly TimeProvider _time;
    private readonly Action<string>? _warn;
    private readonly ModalAuthTokens _tokens;
    private readonly string _host;
    private long _lastThrottleWarning = long.MinValue;

    /// <param name="credentials">Server, token and client settings.</param>
    /// <param name="delay">How the client waits between attempts (tests record the waits instead).</param>
    /// <param name="time">The clock for token expiry and throttling caps.</param>
    /// <param name="warn">Where the client reports what a user should know (throttling, a failed token refresh).</param>
    public ModalApi(ModalCredentials credentials, Func<TimeSpan, CancellationToken, Task>? delay = null, TimeProvider? time = null, Action<string>? warn = null)
    {
        Credentials = credentials;
        _time = time ?? TimeProvider.System;
        _delay = delay ?? ((wait, cancellationToken) => Task.Delay(wait, _time, cancellationToken));
        _warn = warn;
        _host = Uri.TryCreate(credentials.ServerUrl, UriKind.Absolute, out var server) ? server.Host : credentials.ServerUrl;
        _channel = GrpcChannel.ForAddress(credentials.ServerUrl, ChannelOptions());
        Client = new ModalClient.ModalClientClient(_channel);
        _tokens = new ModalAuthTokens(FetchAuthTokenAsync, _time, warn);
    }

    /// <summary>What this client sends as x-modal-libmodal-version.</summary>
    public static string LibraryVersion { get; } = "stepoperator-dotnet/" + (typeof(ModalApi).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0");

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

    public Task<SandboxCreateV2Response> SandboxCreateV2Async(SandboxCreateV2Request request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.SandboxCreateV2), request, (r, o) => Client.SandboxCreateV2Async(r, o), cancellationToken);

    public Task<SandboxGetTaskIdResponse> SandboxGetTaskIdV2Async(SandboxGetTaskIdRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.SandboxGetTaskIdV2), request, (r, o) => Client.SandboxGetTaskIdV2Async(r, o), cancellationToken,
            deadline: request.HasTimeout ? TimeSpan.FromSeconds(request.Timeout + 30) : null);

    public Task<SandboxWaitResponse> SandboxWaitV2Async(SandboxWaitRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.SandboxWaitV2), request, (r, o) => Client.SandboxWaitV2Async(r, o), cancellationToken, deadline: TimeSpan.FromSeconds(request.Timeout + 30));

    public Task<SandboxTerminateResponse> SandboxTerminateV2Async(SandboxTerminateRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.SandboxTerminateV2), request, (r, o) => Client.SandboxTerminateV2Async(r, o), cancellationToken);

    public Task<SandboxGetCommandRouterAccessResponse> SandboxGetCommandRouterAccessAsync(SandboxGetCommandRouterAccessRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.SandboxGetCommandRouterAccess), request, (r, o) => Client.SandboxGetCommandRouterAccessAsync(r, o), cancellationToken);

    public Task<SandboxListResponse> SandboxListAsync(SandboxListRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.SandboxList), request, (r, o) => Client.SandboxListAsync(r, o), cancellationToken);

    public Task<SandboxListResponse> SandboxListV2Async(SandboxListRequest request, CancellationToken cancellationToken) =>
        UnaryAsync(nameof(ModalClient.ModalClientClient.SandboxListV2), request, (r, o) => Client.SandboxListV2Async(r, o), cancellationToken);

    /// <summary>
    /// Whether the server is on this machine (a local or emulated Modal): the SDKs then reach a V2 sandbox's command
    /// router without TLS (modal-js's isLocalhost in its task command router client).
    /// </summary>
    public bool ServerIsLocal => LocalHosts.IsLocal(_host);

    /// <summary>The channel options every connection of this client uses.</summary>
    internal static GrpcChannelOptions ChannelOptions() => new()
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) },
        MaxReceiveMessageSize = 64 * 1024 * 1024,
    };

    /// <summary>Metadata for a call: client identity, token, and the auth token.</summary>
    public async Task<Metadata> HeadersAsync(CancellationToken cancellationToken)
    {
        var token = await _tokens.GetAsync(cancellationToken).ConfigureAwait(false);
        return BaseHeaders(token);
    }

    /// <summary>The options a server stream is opened with: <see cref="HeadersAsync"/> and the caller's cancellation.</summary>
    public async Task<CallOptions> StreamOptionsAsync(CancellationToken cancellationToken) =>
        new(await HeadersAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken);

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
        var token = await _tokens.GetAsync(cancellationToken).ConfigureAwait(false);
        return await WithRetriesAsync(rpc, request, call, token, cancellationToken, deadline).ConfigureAwait(false);
    }

    private async Task<string> FetchAuthTokenAsync(CancellationToken cancellationToken)
    {
        var response = await WithRetriesAsync(nameof(ModalClient.ModalClientClient.AuthTokenGet), new AuthTokenGetRequest(),
            (r, o) => Client.AuthTokenGetAsync(r, o), authToken: null, cancellationToken, deadline: null).ConfigureAwait(false);
        return response.Token.Length > 0
            ? response.Token
            : throw new ModalApiException(nameof(ModalClient.ModalClientClient.AuthTokenGet), StatusCode.Internal, "Modal answered without an auth token.", new InvalidOperationException());
    }

    /// <summary>
    /// One logical call: retried on transient statuses up to <see cref="MaxRetries"/> times, and, separately, as often
    /// as the server asks with an RPCRetryPolicy (any status), until <see cref="ModalCredentials.MaxThrottleWait"/> has
    /// passed since the first attempt. Every attempt carries the same idempotency key and says which attempt it is.
    /// </summary>
    private async Task<TResponse> WithRetriesAsync<TRequest, TResponse>(
        string rpc, TRequest request, Func<TRequest, CallOptions, AsyncUnaryCall<TResponse>> call, string? authToken, CancellationToken cancellationToken, TimeSpan? deadline)
    {
        var idempotencyKey = Guid.NewGuid().ToString();
        var firstAttempt = _time.GetTimestamp();
        var delay = FirstDelay;
        var retries = 0;
        var throttledRetries = 0;
        while (true)
        {
            var headers = BaseHeaders(authToken);
            var elapsed = Seconds(_time.GetElapsedTime(firstAttempt));
            headers.Add("x-idempotency-key", idempotencyKey);
            headers.Add("x-retry-attempt", retries.ToString(CultureInfo.InvariantCulture));
            headers.Add("x-throttle-retry-attempt", throttledRetries.ToString(CultureInfo.InvariantCulture));
            if (retries > 0)
            {
                headers.Add("x-retry-delay", elapsed);
            }

            if (throttledRetries > 0)
            {
                headers.Add("x-throttle-retry-delay", elapsed);
            }

            var options = new CallOptions(headers, deadline is null ? null : DateTime.UtcNow + deadline, cancellationToken);
            try
            {
                using var pending = call(request, options);
                return await pending.ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException e) when (cancellationToken.IsCancellationRequested)
            {
                // Cancelled by the caller (Ctrl-C, another step failed first): a cancellation, not a Modal failure.
                throw new OperationCanceledException($"Modal {rpc} was cancelled.", e, cancellationToken);
            }
            catch (RpcException e) when (Credentials.MaxThrottleWait > TimeSpan.Zero && ServerRetryDelay(e) is { } asked)
            {
                var wait = asked < MinThrottleDelay ? MinThrottleDelay : asked;
                var waited = _time.GetElapsedTime(firstAttempt);
                if (waited + wait >= Credentials.MaxThrottleWait)
                {
                    throw new ModalApiException(rpc, e.StatusCode,
                        $"{e.Status.Detail} (Modal kept asking this client to slow down for {waited.TotalSeconds:0} s; " +
                        $"the limit is {Credentials.MaxThrottleWait.TotalSeconds:0} s: raise it with MODAL_MAX_THROTTLE_WAIT=SECONDS " +
                        "or max_throttle_wait in ~/.modal.toml)", e);
                }

                WarnThrottled(rpc, e, wait);
                throttledRetries++;
                await _delay(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (Retryable.Contains(e.StatusCode) && retries < MaxRetries)
            {
                retries++;
                var wait = delay;
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
                await _delay(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                throw Explain(e, rpc);
            }
        }
    }

    private void WarnThrottled(string rpc, RpcException error, TimeSpan wait)
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastThrottleWarning);
        if (last != long.MinValue && _time.GetElapsedTime(last, now) < ThrottleWarningInterval)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _lastThrottleWarning, now, last) == last)
        {
            _warn?.Invoke($"Modal asked to retry {rpc} in {wait.TotalSeconds:0.###} s ({error.StatusCode}: {error.Status.Detail}); waiting.");
        }
    }

    private static string Seconds(TimeSpan elapsed) => elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);

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
                    var seconds = any.Unpack<RPCRetryPolicy>().RetryAfterSecs;
                    return float.IsFinite(seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
                }
            }
        }
        catch (InvalidProtocolBufferException)
        {
            // Details this client does not understand: fall back to its own backoff.
        }

        return null;
    }

    private Metadata BaseHeaders(string? authToken)
    {
        var headers = new Metadata
        {
            { "x-modal-client-type", ClientType },
            { "x-modal-client-version", ClientVersion },
            { "x-modal-libmodal-version", LibraryVersion },
            { "x-modal-token-id", Credentials.TokenId },
            { "x-modal-token-secret", Credentials.TokenSecret },
            { "x-modal-host", _host },
        };
        if (authToken is not null)
        {
            headers.Add("x-modal-auth-token", authToken);
        }

        return headers;
    }

    public void Dispose() => _channel.Dispose();
}

/// <summary>Modal refused the credentials.</summary>
internal sealed class ModalAuthenticationException(string message) : Exception(message);

/// <summary>A Modal API call failed with a status other than bad credentials.</summary>
internal sealed class ModalApiException(string rpc, StatusCode status, string detail, Exception inner)
    : Exception($"Modal {rpc} failed: {status}: {detail}", inner)
{
    public StatusCode Status { get; } = status;

    /// <summary>
    /// Statuses another attempt may not meet: the service unavailable or overloaded, a deadline passed, a call
    /// aborted or failed inside Modal. A refused or malformed request is not one of them.
    /// </summary>
    public static bool IsTransient(StatusCode status) =>
        status is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
            or StatusCode.ResourceExhausted or StatusCode.Aborted;
}
