using System;
using System.IO;

namespace StepOperator.Modal;

/// <summary>
/// The Modal server a step operator would connect to, resolved in the order <see cref="ModalCredentials"/> uses
/// (the step operator's server_url, MODAL_SERVER_URL, server_url of the ~/.modal.toml profile (MODAL_PROFILE, else the active one, else [default]), Modal's default),
/// without needing a token: stack validation reads it before anything connects.
/// </summary>
/// <param name="Url">The server URL.</param>
/// <param name="Source">Where it came from, for messages.</param>
internal sealed record ModalServerAddress(string Url, string Source)
{
    public static ModalServerAddress Resolve(string? serverUrl, Func<string, string?>? variables = null)
    {
        variables ??= Environment.GetEnvironmentVariable;
        string? Variable(string name) => variables(name) is { Length: > 0 } value ? value : null;

        if (serverUrl is { Length: > 0 })
        {
            return new ModalServerAddress(serverUrl, "the step operator's server_url");
        }

        if (Variable("MODAL_SERVER_URL") is { } fromEnvironment)
        {
            return new ModalServerAddress(fromEnvironment, "MODAL_SERVER_URL");
        }

        var path = Variable("MODAL_CONFIG_PATH")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".modal.toml");
        if (ProfileServerUrl(path, Variable("MODAL_PROFILE")) is { } fromProfile)
        {
            return new ModalServerAddress(fromProfile, $"server_url in {path}");
        }

        return new ModalServerAddress(ModalCredentials.DefaultServerUrl, "Modal's default");
    }

    // The profile is chosen as ModalCredentials chooses it (ModalProfile.Select). A file that cannot be read, or a
    // profile choice that is wrong, gives no URL here; connecting reports it, with the fix.
    private static string? ProfileServerUrl(string path, string? wantedProfile)
    {
        try
        {
            return ModalProfile.Select(path, wantedProfile)?.Get("server_url");
        }
        catch (Exception e) when (e is ModalConfigurationException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
