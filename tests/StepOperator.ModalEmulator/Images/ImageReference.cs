namespace StepOperator.ModalEmulator.Images;

/// <summary>
/// A Docker image reference split the way the engine's pull API wants it:
/// "127.0.0.1:5000/team/app:1" → repository "127.0.0.1:5000/team/app", tag "1", registry "127.0.0.1:5000".
/// </summary>
internal sealed record ImageReference(string Reference, string Repository, string? Tag, string? Digest, string? RegistryHost)
{
    private const string DockerHubAuthServer = "https://index.docker.io/v1/";

    public bool IsDockerHub => RegistryHost is null;

    /// <summary>The server address Docker expects in an AuthConfig for this reference.</summary>
    public string AuthServerAddress => RegistryHost ?? DockerHubAuthServer;

    public static bool TryParse(string reference, out ImageReference parsed)
    {
        parsed = null!;
        if (string.IsNullOrWhiteSpace(reference) || reference.Contains(' '))
        {
            return false;
        }

        string? digest = null;
        var name = reference;
        var at = reference.IndexOf('@');
        if (at >= 0)
        {
            digest = reference[(at + 1)..];
            name = reference[..at];
        }

        string? tag = null;
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
        }

        if (name.Length == 0 || tag?.Length == 0 || digest?.Length == 0)
        {
            return false;
        }

        var slash = name.IndexOf('/');
        var first = slash < 0 ? null : name[..slash];
        var host = first is not null && (first.Contains('.') || first.Contains(':') || first == "localhost") ? first : null;
        parsed = new ImageReference(reference, name, digest is null ? tag ?? "latest" : tag, digest, host);
        return true;
    }
}
