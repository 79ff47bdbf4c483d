using System;
using System.Linq;
using System.Threading.Tasks;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using StepOperator.ModalEmulator.Common;
using StepOperator.ModalEmulator.Faults;
using StepOperator.ModalEmulator.Recording;

namespace StepOperator.ModalEmulator.Auth;

/// <summary>
/// What every call passes before its RPC runs, in this order: it is recorded (also when it is
/// refused), an injected fault answers it if one is planned, and then the client must present its
/// version and a known token id/secret, plus a valid unexpired auth token if it sends one. A unary call
/// repeating an x-idempotency-key gets the first answer without running again. After a unary RPC has
/// run, a planned loss replaces its answer with UNAVAILABLE and a planned delay holds it back.
/// </summary>
internal sealed class CallGate(RequestLog log, EmulatorFaults faults, AuthTokenIssuer tokens, IdempotentReplies replies, ModalEmulatorOptions options) : Interceptor
{
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

    private void Admit(object request, ServerCallContext context)
    {
        var rpc = RpcName(context.Method);
        log.Record(rpc, context.RequestHeaders, (IMessage)request);
        if (faults.TakeFault(rpc) is { } fault)
        {
            throw fault;
        }

        Authenticate(rpc, context.RequestHeaders);
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
