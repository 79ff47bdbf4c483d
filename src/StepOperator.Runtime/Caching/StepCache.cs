using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Artifacts;

namespace StepOperator.Caching;

/// <summary>What a step call's cache key is made of: its code, the settings that shape its result, and its inputs.</summary>
/// <param name="Step">The step's name.</param>
/// <param name="Code">The fingerprint of the step's compiled code (<see cref="CodeIdentity"/>).</param>
/// <param name="Settings">The fingerprint of its resource settings.</param>
/// <param name="Inputs">Per parameter: the hash of a value's bytes, or the cache key of the step whose output it is.</param>
internal sealed record CacheIngredients(string Step, string Code, string Settings, SortedDictionary<string, string> Inputs)
{
    public string Key()
    {
        var text = new StringBuilder("stepoperator-cache-v1\n")
            .Append("step ").Append(Step).Append('\n')
            .Append("code ").Append(Code).Append('\n')
            .Append("settings ").Append(Settings).Append('\n');
        foreach (var (parameter, fingerprint) in Inputs)
        {
            text.Append("input ").Append(parameter).Append(' ').Append(fingerprint).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The settings that can change a step's result (not its timeout, retries or cache switch).</summary>
    public static string SettingsFingerprint(StepSettings settings)
    {
        var shaping = string.Join("\n",
            settings.Gpu, settings.GpuCount?.ToString(CultureInfo.InvariantCulture), settings.CpuCount?.ToString("R", CultureInfo.InvariantCulture),
            settings.Memory, settings.Region, settings.Cloud, settings.ModalEnvironment, settings.StepOperator);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(shaping)));
    }
}

/// <summary>An output stored under a cache key, in the artifact store (cache/entries/&lt;key&gt;.json).</summary>
internal sealed record CacheEntry(string Key, string RunId, string InvocationId, ArtifactRef? Output, CacheIngredients Ingredients, DateTimeOffset CreatedAt);

/// <summary>
/// Step outputs by cache key, kept in the stack's artifact store so every stack that shares the store
/// shares the cache. Beside the entries, the ingredients of each step call's latest run (per pipeline
/// and call) explain a miss: code changed, input changed, settings changed.
/// </summary>
internal sealed class StepCache(IArtifactStore store)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    /// <summary>The entry for <paramref name="key"/> when its output is still in the store; otherwise null.</summary>
    public async Task<CacheEntry?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var entry = await ReadAsync<CacheEntry>(EntryKey(key), cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return null;
        }

        if (entry.Output is { } output && !await store.ExistsAsync(ArtifactKey.Parse(output.Key), cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return entry;
    }

    /// <summary>Why a call with these ingredients has no usable entry, compared with the call's latest run.</summary>
    public async Task<string> ExplainMissAsync(string pipeline, string invocationId, CacheIngredients current, CancellationToken cancellationToken)
    {
        var latest = await ReadAsync<CacheIngredients>(LatestKey(pipeline, invocationId), cancellationToken).ConfigureAwait(false);
        if (latest is null)
        {
            return "no earlier run";
        }

        var reasons = new List<string>();
        if (latest.Code != current.Code)
        {
            reasons.Add("code changed");
        }

        if (latest.Settings != current.Settings)
        {
            reasons.Add("settings changed");
        }

        var changed = current.Inputs.Keys.Union(latest.Inputs.Keys)
            .Where(parameter => current.Inputs.GetValueOrDefault(parameter) != latest.Inputs.GetValueOrDefault(parameter))
            .ToList();
        if (changed.Count > 0)
        {
            reasons.Add($"input{(changed.Count > 1 ? "s" : string.Empty)} {string.Join(", ", changed.Select(p => $"'{p}'"))} changed");
        }

        return reasons.Count > 0 ? string.Join("; ", reasons) : "earlier output no longer in the artifact store";
    }

    /// <summary>Records a successful call: its output under its key, and its ingredients as the call's latest.</summary>
    public async Task StoreAsync(string pipeline, CacheEntry entry, CancellationToken cancellationToken)
    {
        await WriteAsync(EntryKey(entry.Key), entry, cancellationToken).ConfigureAwait(false);
        await WriteAsync(LatestKey(pipeline, entry.InvocationId), entry.Ingredients, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Remembers the ingredients of a call that ran without storing an entry (so the next miss can be explained).</summary>
    public Task RememberAsync(string pipeline, string invocationId, CacheIngredients ingredients, CancellationToken cancellationToken) =>
        WriteAsync(LatestKey(pipeline, invocationId), ingredients, cancellationToken);

    private static ArtifactKey EntryKey(string key) => ArtifactKey.Combine("cache", "entries", key + ".json");

    private static ArtifactKey LatestKey(string pipeline, string invocationId) =>
        ArtifactKey.Combine("cache", "latest", Segment(pipeline), Segment(invocationId) + ".json");

    /// <summary>A name as one key segment: letters, digits, '.', '-', '_' kept, anything else encoded.</summary>
    private static string Segment(string name)
    {
        var text = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' || (c == '.' && text.Length > 0))
            {
                text.Append(c);
            }
            else
            {
                text.Append('_').Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return text.Length == 0 ? "_" : text.ToString();
    }

    private async Task<T?> ReadAsync<T>(ArtifactKey key, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync<T>(stream, Json, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ArtifactNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
            // A damaged entry is a miss, not a failure.
            return null;
        }
    }

    private Task WriteAsync<T>(ArtifactKey key, T value, CancellationToken cancellationToken) =>
        store.WriteAsync(key, (stream, ct) => JsonSerializer.SerializeAsync(stream, value, Json, ct), cancellationToken);
}
