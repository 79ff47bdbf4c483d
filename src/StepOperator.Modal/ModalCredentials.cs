using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Tomlyn;
using Tomlyn.Model;

namespace StepOperator.Modal;

/// <summary>
/// Where the Modal client connects, with which token, and the client settings Modal's SDKs read from
/// the same places. Resolution follows Modal's Python SDK (py/modal/config.py): the profile is the one
/// MODAL_PROFILE names, else the one with <c>active = true</c>, else <c>[default]</c>; every setting is read
/// per key, the environment variable <c>MODAL_&lt;KEY&gt;</c> first, then the profile, so a MODAL_TOKEN_ID alone
/// combines with the profile's token_secret (as libmodal's config.ts does too). Explicit step operator
/// settings (token_id and token_secret together) win over both. The token is a secret:
/// <see cref="ToString"/> never shows it.
/// </summary>
internal sealed record ModalCredentials(string TokenId, string TokenSecret, string ServerUrl, string? Environment, string Source)
{
    public const string DefaultServerUrl = "https://api.modal.com:443";

    /// <summary>The image builder version to ask for (MODAL_IMAGE_BUILDER_VERSION or the profile's); null = the environment's.</summary>
    public string? ImageBuilderVersion { get; init; }

    /// <summary>
    /// The longest one call may keep waiting for a server that throttles it (MODAL_MAX_THROTTLE_WAIT or the profile's
    /// max_throttle_wait, in seconds); <see cref="TimeSpan.Zero"/> ignores the server's retry policy, as in Modal's SDKs.
    /// </summary>
    public TimeSpan MaxThrottleWait { get; init; } = DefaultMaxThrottleWait;

    /// <summary>
    /// Whether sandboxes without a GPU are created through SandboxCreateV2 (MODAL_SANDBOX_V2 or the profile's sandbox_v2;
    /// on unless "0" or "false", as in Modal's JS SDK).
    /// </summary>
    public bool SandboxV2 { get; init; } = true;

    /// <summary>
    /// The throttling cap when none is configured. Modal's SDKs wait without a cap by default; a pipeline step instead
    /// fails after ten minutes of being throttled on one call, with the setting to raise in the message.
    /// </summary>
    public static readonly TimeSpan DefaultMaxThrottleWait = TimeSpan.FromMinutes(10);

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
        var profile = ModalProfile.Select(configPath, Variable("MODAL_PROFILE"));

        // One setting: MODAL_<KEY> from the environment, else the profile's <key>.
        string? Setting(string key) => Variable("MODAL_" + key.ToUpperInvariant()) ?? profile?.Get(key);

        var server = serverUrl ?? Setting("server_url") ?? DefaultServerUrl;
        var modalEnvironment = environment ?? Setting("environment");
        var settings = new ModalCredentials(string.Empty, string.Empty, server, modalEnvironment, string.Empty)
        {
            ImageBuilderVersion = Setting("image_builder_version"),
            MaxThrottleWait = ParseThrottleWait(Setting("max_throttle_wait"), configPath),
            SandboxV2 = Setting("sandbox_v2") is not { } flag || !(flag == "0" || flag.Equals("false", StringComparison.OrdinalIgnoreCase)),
        };

        if (hasId)
        {
            return settings with { TokenId = tokenId!, TokenSecret = tokenSecret!, Source = "the step operator's token_id/token_secret" };
        }

        // Each half from the environment, else the profile; the source names where each came from.
        var idFromEnvironment = Variable("MODAL_TOKEN_ID") is not null;
        var secretFromEnvironment = Variable("MODAL_TOKEN_SECRET") is not null;
        var id = Variable("MODAL_TOKEN_ID") ?? profile?.Get("token_id");
        var secret = Variable("MODAL_TOKEN_SECRET") ?? profile?.Get("token_secret");
        string Origin(bool fromEnvironment, string variable, string key) => fromEnvironment ? variable : $"the {key} of {profile!.Describe()}";
        if (id is not null && secret is not null)
        {
            var source = (idFromEnvironment, secretFromEnvironment) switch
            {
                (true, true) => "MODAL_TOKEN_ID/MODAL_TOKEN_SECRET",
                (false, false) => profile!.Describe(),
                _ => $"{Origin(idFromEnvironment, "MODAL_TOKEN_ID", "token_id")} with {Origin(secretFromEnvironment, "MODAL_TOKEN_SECRET", "token_secret")}",
            };
            return settings with { TokenId = id, TokenSecret = secret, Source = source };
        }

        var half = (id, secret) switch
        {
            ({ }, null) => $" Found a token id ({(idFromEnvironment ? "MODAL_TOKEN_ID" : profile!.Describe())}) but no token secret.",
            (null, { }) => $" Found a token secret ({(secretFromEnvironment ? "MODAL_TOKEN_SECRET" : profile!.Describe())}) but no token id.",
            _ => string.Empty,
        };
        throw new ModalConfigurationException(
            "No Modal token found." + half + " Give it in one of three ways: (1) on the step operator: " +
            "dotnet run -- step-operator update <name> --token_id=... --token_secret=...; (2) the environment variables " +
            $"MODAL_TOKEN_ID and MODAL_TOKEN_SECRET; (3) a profile in {configPath} (run 'modal setup', or write token_id and token_secret " +
            "under a [profile] with active = true, or select it with MODAL_PROFILE).");
    }

    private static TimeSpan ParseThrottleWait(string? text, string configPath)
    {
        if (text is null)
        {
            return DefaultMaxThrottleWait;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : throw new ModalConfigurationException(
                $"max_throttle_wait is '{text}' (MODAL_MAX_THROTTLE_WAIT or {configPath}); it must be a whole number of seconds " +
                "(0 ignores the server's request to slow down).");
    }

    private static string DefaultConfigPath() =>
        Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".modal.toml");
}

/// <summary>One profile (a table) of ~/.modal.toml, selected the way Modal's Python SDK selects it.</summary>
internal sealed record ModalProfile(string Path, string Name, TomlTable Table)
{
    public const string DefaultName = "default";

    public string? Get(string key) => Table.TryGetValue(key, out var value) ? Text(value) : null;

    public string Describe() => $"{Path} profile '{Name}'";

    /// <summary>
    /// The profile MODAL_PROFILE names; else the one with <c>active = true</c> (more than one is an error, as in
    /// py/modal/config.py); else <c>[default]</c>. Null when the file does not exist or has no such profile.
    /// </summary>
    public static ModalProfile? Select(string path, string? wanted)
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

        var profiles = model.Where(pair => pair.Value is TomlTable).Select(pair => new ModalProfile(path, pair.Key, (TomlTable)pair.Value)).ToList();
        if (wanted is not null)
        {
            return profiles.FirstOrDefault(p => p.Name == wanted)
                ?? throw new ModalConfigurationException($"MODAL_PROFILE is '{wanted}', but {path} has no such profile (profiles: {Names(profiles)}).");
        }

        var active = profiles.Where(p => p.Table.TryGetValue("active", out var flag) && flag is true).ToList();
        if (active.Count > 1)
        {
            throw new ModalConfigurationException(
                $"More than one profile in {path} is active ({Names(active)}). Keep active = true on one of them (or run 'modal profile activate NAME'), or choose one with MODAL_PROFILE.");
        }

        return active.Count == 1 ? active[0] : profiles.FirstOrDefault(p => p.Name == DefaultName);
    }

    private static string Names(IEnumerable<ModalProfile> profiles) => string.Join(", ", profiles.Select(p => p.Name));

    private static string? Text(object value) => value switch
    {
        string { Length: > 0 } text => text,
        long number => number.ToString(CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        _ => null,
    };
}

/// <summary>Modal is configured wrongly; the message says how to fix it (and never holds a token).</summary>
internal sealed class ModalConfigurationException(string message) : Exception(message);
