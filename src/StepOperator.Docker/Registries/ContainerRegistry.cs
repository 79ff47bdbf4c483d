using System;

namespace StepOperator.Docker;

/// <summary>
/// A container registry and the credentials to push to it (and for Modal to pull from it).
/// The password is a secret: it is never logged, put in an image, or passed to a step.
/// </summary>
/// <param name="Server">Host and optional port, such as "127.0.0.1:5000" or "ghcr.io".</param>
/// <param name="Username">User name; null for an anonymous registry.</param>
/// <param name="Password">Password or token; null for an anonymous registry.</param>
/// <param name="Namespace">Repository prefix under the server, such as "stepoperator".</param>
public sealed record ContainerRegistry(string Server, string? Username, string? Password, string Namespace = "stepoperator")
{
    public bool HasCredentials => !string.IsNullOrEmpty(Username);

    /// <summary>Loopback registries are spoken to over plain HTTP, as Docker does; others over HTTPS.</summary>
    public bool IsInsecure =>
        Server.StartsWith("127.", StringComparison.Ordinal) ||
        Server.StartsWith("localhost", StringComparison.OrdinalIgnoreCase) ||
        Server.StartsWith("[::1]", StringComparison.Ordinal);

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"{Server} (user {(HasCredentials ? Username : "anonymous")})";
}
