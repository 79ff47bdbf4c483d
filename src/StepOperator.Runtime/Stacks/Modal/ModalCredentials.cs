using System;
using System.IO;
using System.Linq;
using Tomlyn;
using Tomlyn.Model;

namespace StepOperator.Stacks.Modal;

/// <summary>
/// Where the Modal client connects and with which token. Precedence as in Modal's SDKs: explicit
/// settings (token_id and token_secret together), then MODAL_TOKEN_ID/MODAL_TOKEN_SECRET, then the
/// profile in ~/.modal.toml (MODAL_CONFIG_PATH; MODAL_PROFILE, else the profile with active = true).
/// The token is a secret: <see cref="ToString"/> never shows it.
/// </summary>
public sealed record ModalCredentials(string TokenId, string TokenSecret, string ServerUrl, string? Environment, string Source)
{
    public const string DefaultServerUrl = "https://api.modal.com:443";

    public override string ToString() => $"Modal token from {Source}, server {ServerUrl}";

    /// <summary>Resolves the credentials; every failure says which sources were tried and how to fix it.</summary>
    public static ModalCredentials Resolve(
        string? tokenId, string? tokenSecret, string? serverUrl = null, string? environment = null, Func<string, string?>? variables = null)
    {
        variables ??= System.Environment.GetEnvironmentVariable;
        string? Variable(string name) => variables(name) is { Length: > 0 } value ? value : null;

        var hasId = !string.IsNullOrEmpty(tokenId);
        var hasSecret = !string.IsNullOrEmpty(tokenSecret);
        if (hasId != hasSecret)
        {
            throw new ModalConfigurationException(
                "Modal step operator: token_id and token_secret must be given together. Give both, or neither to use " +
                "MODAL_TOKEN_ID/MODAL_TOKEN_SECRET or ~/.modal.toml.");
        }

        var configPath = Variable("MODAL_CONFIG_PATH") ?? DefaultConfigPath();
        var profile = ReadProfile(configPath, Variable("MODAL_PROFILE"));
        var server = serverUrl ?? Variable("MODAL_SERVER_URL") ?? profile?.Get("server_url") ?? DefaultServerUrl;
        var modalEnvironment = environment ?? Variable("MODAL_ENVIRONMENT") ?? profile?.Get("environment");
        if (hasId)
        {
            return new ModalCredentials(tokenId!, tokenSecret!, server, modalEnvironment, "the step operator's token_id/token_secret");
        }

        var environmentId = Variable("MODAL_TOKEN_ID");
        var environmentSecret = Variable("MODAL_TOKEN_SECRET");
        if (environmentId is not null && environmentSecret is not null)
        {
            return new ModalCredentials(environmentId, environmentSecret, server, modalEnvironment, "MODAL_TOKEN_ID/MODAL_TOKEN_SECRET");
        }

        if (profile?.Get("token_id") is { } profileId && profile.Get("token_secret") is { } profileSecret)
        {
            return new ModalCredentials(profileId, profileSecret, server, modalEnvironment, $"{profile.Path} profile '{profile.Name}'");
        }

        throw new ModalConfigurationException(
            "No Modal token found. Give it in one of three ways: (1) on the step operator: " +
            "dotnet run -- step-operator update <name> --token_id=... --token_secret=...; (2) the environment variables " +
            $"MODAL_TOKEN_ID and MODAL_TOKEN_SECRET; (3) a profile in {configPath} (run 'modal setup', or write token_id and token_secret " +
            "under a [profile] with active = true, or select it with MODAL_PROFILE).");
    }

    private static string DefaultConfigPath() =>
        Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".modal.toml");

    private static Profile? ReadProfile(string path, string? wantedProfile)
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
        catch (TomlException e)
        {
            throw new ModalConfigurationException($"{path} is not valid TOML ({e.Message}). Fix it, or give the token another way.");
        }

        var profiles = model.Where(pair => pair.Value is TomlTable).Select(pair => (Name: pair.Key, Table: (TomlTable)pair.Value)).ToList();
        if (wantedProfile is { } wanted)
        {
            var chosen = profiles.FirstOrDefault(p => p.Name == wanted);
            return chosen.Table is null
                ? throw new ModalConfigurationException($"MODAL_PROFILE is '{wanted}', but {path} has no such profile (profiles: {string.Join(", ", profiles.Select(p => p.Name))}).")
                : new Profile(path, chosen.Name, chosen.Table);
        }

        var active = profiles.FirstOrDefault(p => p.Table.TryGetValue("active", out var flag) && flag is true);
        return active.Table is null ? null : new Profile(path, active.Name, active.Table);
    }

    private sealed record Profile(string Path, string Name, TomlTable Table)
    {
        public string? Get(string key) => Table.TryGetValue(key, out var value) && value is string text && text.Length > 0 ? text : null;
    }
}

/// <summary>Modal is configured wrongly; the message says how to fix it (and never holds a token).</summary>
public sealed class ModalConfigurationException(string message) : Exception(message);
