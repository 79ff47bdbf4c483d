using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;

namespace StepOperator.Stacks;

/// <summary>
/// Failures of a connection that another attempt may not meet: a lost or refused connection, a timeout.
/// Every step operator treats these as transient; each backend adds its own (see
/// <see cref="IStepOperator.IsTransientFailure"/>).
/// </summary>
public static class TransientFailures
{
    /// <summary>Whether <paramref name="failure"/> is a lost connection or a timeout of the network.</summary>
    public static bool IsConnectionFailure(Exception failure) =>
        failure is HttpRequestException or IOException or SocketException or TimeoutException;
}
