using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;

namespace StepOperator.Runs;

/// <summary>
/// Failures of a backend that another attempt may not meet: a lost connection, a service that is
/// briefly unavailable. A step's retry policy retries these; its own exceptions only when it says so.
/// </summary>
internal static class TransientFailures
{
    public static bool IsTransient(Exception failure) => failure switch
    {
        Stacks.Modal.ModalApiException modal => IsTransient(modal.Status),
        RpcException rpc => IsTransient(rpc.StatusCode),
        HttpRequestException or IOException or SocketException or TimeoutException => true,
        Docker.DockerEngineException { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };

    private static bool IsTransient(StatusCode status) =>
        status is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
            or StatusCode.ResourceExhausted or StatusCode.Aborted;
}
