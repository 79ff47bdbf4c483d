using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using StepOperator.ModalEmulator.Common;
using StepOperator.ModalEmulator.Faults;
using StepOperator.ModalEmulator.Recording;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Auth;

/// <summary>
/// What every call passes before its RPC runs, in this order: it is recorded (also when it is
/// refused), an injected fault answers it if one is planned, and then the client must present its
/// version and a known token id/secret, plus a valid unexpired auth token if it sends one; a call to
/// the task command router instead the router JWT of the task it asks about ("authorization: Bearer
/// &lt;jwt&gt;": UNAUTHENTICATED when missing, foreign or expired, so clients refresh it). A unary call
/// repeating an x-idempotency-key gets the first answer without running again. After a unary RPC has
/// run, a planned loss replaces its answer with UNAVAILABLE and a planned delay holds it back.
/// </summary>
internal sealed class CallGate(RequestLog log, EmulatorFaults faults, AuthTokenIssuer tokens, RouterTokens routerTokens, IdempotentReplies replies, ModalEmulatorOptions options) : Interceptor
{
    public const string AuthorizationHeader = "authorization";

    public const string ClientVersionHeader = "x-modal-client-version";
    public const string TokenIdHeader = "x-modal-token-id";
    public const string TokenSecretHeader = "x-modal-token-secret";
    public const string AuthTokenHeader = "x-modal-auth-token";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Admit(request, context);
        var rpc = RpcName(context.Method);
        var idempotencyKey = Value(context.RequestHeaders, IdempotentReplies.KeyHeader);
        if (idempotencyKey is { Length: > 0 } && replies.TryGet(rpc, idempotencyKey, out var earlier))
        {
            return (TResponse)earlier;
        }

        var response = await continuation(request, context).ConfigureAwait(false);
        if (idempotencyKey is { Length: > 0 })
        {
            replies.Remember(rpc, idempotencyKey, response);
        }

        if (faults.TakeLostResponse(rpc))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"Injected fault: the answer to {rpc} was lost after it was carried out"));
        }

        if (faults.TakeResponseDelay(rpc) is { } delay)
        {
            // Done, but the answer is late: a client that cancels meanwhile never gets it.
            await Task.Delay(delay, context.CancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(request, context);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    /// <summary>The RPC's name from its method path, "/modal.client.ModalClient/AuthTokenGet".</summary>
    public static string RpcName(string method) => method[(method.LastIndexOf('/') + 1)..];

    /// <summary>The service from a method path: "modal.client.ModalClient".</summary>
    public static string ServiceName(string method) => method.TrimStart('/') is var path && path.IndexOf('/') is > 0 and var slash ? path[..slash] : string.Empty;

    /// <summary>A call's metadata as recorded: binary values in base64.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Recordable(Metadata headers) =>
        headers.Select(h => KeyValuePair.Create(h.Key, h.IsBinary ? Convert.ToBase64String(h.ValueBytes) : h.Value));

    private void Admit(object request, ServerCallContext context)
    {
        var rpc = RpcName(context.Method);
        var service = ServiceName(context.Method);
        log.Record(service, rpc, Recordable(context.RequestHeaders), (IMessage)request);
        if (faults.TakeFault(rpc) is { } fault)
        {
            throw fault;
        }

        if (service == ModalRpc.TaskCommandRouterService)
        {
            AuthenticateRouter(request, context.RequestHeaders);
            return;
        }

        Authenticate(rpc, context.RequestHeaders);
    }

    private void AuthenticateRouter(object request, Metadata headers)
    {
        var taskId = request is SandboxStdioReadV2Request read ? read.TaskId : string.Empty;
        var authorization = Value(headers, AuthorizationHeader);
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                $"Missing '{AuthorizationHeader}: Bearer <jwt>': the task command router needs the jwt of the sandbox's CommandRouterAccess (SandboxCreateV2 or SandboxGetCommandRouterAccess)."));
        }

        switch (routerTokens.Check(authorization["Bearer ".Length..].Trim(), taskId))
        {
            case RouterTokenCheck.Valid:
                return;
            case RouterTokenCheck.Expired:
                throw new RpcException(new Status(StatusCode.Unauthenticated, "The command router jwt has expired; get a new one with SandboxGetCommandRouterAccess."));
            case RouterTokenCheck.OtherTask:
                throw new RpcException(new Status(StatusCode.Unauthenticated, $"The command router jwt is for another task, not {taskId}; get this sandbox's with SandboxGetCommandRouterAccess."));
            default:
                throw new RpcException(new Status(StatusCode.Unauthenticated, "The command router jwt is not one this server issued; get one with SandboxGetCommandRouterAccess."));
        }
    }

    private void Authenticate(string rpc, Metadata headers)
    {
        if (string.IsNullOrEmpty(Value(headers, ClientVersionHeader)))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"Missing {ClientVersionHeader} metadata: Modal's server needs the client's version on every call."));
        }

        var tokenId = Value(headers, TokenIdHeader);
        var tokenSecret = Value(headers, TokenSecretHeader);
        if (string.IsNullOrEmpty(tokenId) || string.IsNullOrEmpty(tokenSecret))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                $"Token missing: send {TokenIdHeader} and {TokenSecretHeader}."));
        }

        if (!string.Equals(tokenId, options.TokenId, StringComparison.Ordinal) || !string.Equals(tokenSecret, options.TokenSecret, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"Token id {tokenId} with this secret is not valid."));
        }

        // AuthTokenGet is how a client replaces an expired auth token, so it is not checked there.
        if (rpc != ModalRpc.AuthTokenGet && Value(headers, AuthTokenHeader) is { Length: > 0 } authToken)
        {
            switch (tokens.Check(authToken))
            {
                case AuthTokenCheck.Valid:
                    break;
                case AuthTokenCheck.Expired:
                    throw new RpcException(new Status(StatusCode.Unauthenticated, "The auth token (x-modal-auth-token) has expired; fetch a new one with AuthTokenGet."));
                default:
                    throw new RpcException(new Status(StatusCode.Unauthenticated, "The auth token (x-modal-auth-token) is not one this server issued."));
            }
        }
    }

    private static string? Value(Metadata headers, string key) =>
        headers.FirstOrDefault(h => !h.IsBinary && string.Equals(h.Key, key, StringComparison.OrdinalIgnoreCase))?.Value;
}
