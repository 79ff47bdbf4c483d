using System;
using System.IO;
using System.Linq;
using Tomlyn;
using Tomlyn.Model;

namespace StepOperator.Stacks.Modal;

/// <summary>
/// The Modal server a step operator would connect to, resolved in the order <see cref="ModalCredentials"/> uses
/// (the step operator's server_url, MODAL_SERVER_URL, server_url of the ~/.modal.toml profile, Modal's default),
/// without needing a token: stack validation reads it before anything connects.
/// </summary>
/// <param name="Url">The server URL.</param>
/// <param name="Source">Where it came from, for messages.</param>
public sealed record ModalServerAddress(string Url, string Source)
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

    // The profile is chosen as ModalCredentials chooses it: MODAL_PROFILE, else the one with active = true. A file
    // that cannot be read gives no URL here; connecting reports it, with the fix.
    private static string? ProfileServerUrl(string path, string? wantedProfile)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        TomlTable model;
        try
        {
            model = TomlSerializer.Deserialize<TomlTable>(File.ReadAllText(path))!;
        }
        catch (Exception e) when (e is TomlException or IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var profile = model
            .Where(pair => pair.Value is TomlTable)
            .Select(pair => (Name: pair.Key, Table: (TomlTable)pair.Value))
            .FirstOrDefault(p => wantedProfile is null ? p.Table.TryGetValue("active", out var flag) && flag is true : p.Name == wantedProfile);
        return profile.Table is not null && profile.Table.TryGetValue("server_url", out var url) && url is string { Length: > 0 } text ? text : null;
    }
}
