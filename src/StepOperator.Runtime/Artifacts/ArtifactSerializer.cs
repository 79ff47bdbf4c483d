using System;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Artifacts;

/// <summary>How an artifact's bytes are laid out (written by name in JSON).</summary>
[JsonConverter(typeof(ArtifactFormatJsonConverter))]
internal enum ArtifactFormat
{
    /// <summary>System.Text.Json, for ordinary types.</summary>
    Json,

    /// <summary>Raw bytes, for <c>byte[]</c> and <see cref="Stream"/>: streamed, never buffered by the store.</summary>
    Binary,
}

/// <summary>Turns step values into artifacts and back.</summary>
internal static class ArtifactSerializer
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        IncludeFields = true,
        WriteIndented = false,

        // Common values (numbers, strings, their arrays and lists) come from source-generated metadata, so a
        // step process passing them around never starts System.Text.Json's reflection; other types use reflection.
        TypeInfoResolver = JsonTypeInfoResolver.Combine(CommonArtifactJson.Default, new DefaultJsonTypeInfoResolver()),
    };

    /// <summary>Stored JSON values up to this size are read whole instead of streamed.</summary>
    private const int SmallValueBytes = 64 * 1024;

    public static ArtifactFormat FormatOf(Type type) =>
        type == typeof(byte[]) || typeof(Stream).IsAssignableFrom(type) ? ArtifactFormat.Binary : ArtifactFormat.Json;

    public static string FileNameFor(string name, Type type) =>
        name + (FormatOf(type) == ArtifactFormat.Binary ? ".bin" : ".json");

    /// <summary>Stores a value; a value that cannot be serialized fails with its type and the reason.</summary>
    public static Task WriteAsync<T>(IArtifactStore store, ArtifactKey key, T value, string owner, CancellationToken cancellationToken) =>
        store.WriteAsync(key, (target, ct) => SerializeAsync(target, value, owner, ct), cancellationToken);

    /// <summary>
    /// Writes a value's artifact bytes to <paramref name="target"/> (a Stream value is copied and disposed);
    /// a value that cannot be serialized fails with its type and the reason.
    /// </summary>
    public static async Task SerializeAsync<T>(Stream target, T value, string owner, CancellationToken cancellationToken)
    {
        try
        {
            switch (value)
            {
                case Stream source:
                    await using (source.ConfigureAwait(false))
                    {
                        await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case byte[] bytes when typeof(T) == typeof(byte[]):
                    await target.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await JsonSerializer.SerializeAsync(target, value, Options, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception e) when (e is NotSupportedException or JsonException)
        {
            throw new ArtifactSerializationException(
                $"{owner}: a value of type '{TypeName(value?.GetType() ?? typeof(T))}' cannot be stored as an artifact: {e.Message} " +
                "Use a type System.Text.Json can serialize (public properties or fields, a usable constructor), byte[] or Stream.", e);
        }
    }

    /// <summary>Loads a value. A Stream is returned open; the caller disposes it.</summary>
    public static async Task<T> ReadAsync<T>(IArtifactStore store, ArtifactKey key, string owner, CancellationToken cancellationToken)
    {
        var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (typeof(Stream).IsAssignableFrom(typeof(T)))
        {
            return (T)(object)stream;
        }

        await using (stream.ConfigureAwait(false))
        {
            if (typeof(T) == typeof(byte[]))
            {
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return (T)(object)buffer.ToArray();
            }

            try
            {
                // A small stored value (a number, a short list: most step inputs) is read whole and parsed
                // synchronously, which spares a step process the async reader's start-up; anything larger
                // or of unknown size streams.
                if (stream.CanSeek && stream.Length <= SmallValueBytes)
                {
                    var bytes = new byte[stream.Length];
                    await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
                    return JsonSerializer.Deserialize<T>(bytes, Options)!;
                }

                return (await JsonSerializer.DeserializeAsync<T>(stream, Options, cancellationToken).ConfigureAwait(false))!;
            }
            catch (Exception e) when (e is NotSupportedException or JsonException)
            {
                throw new ArtifactSerializationException(
                    $"{owner}: artifact '{key}' cannot be read as '{TypeName(typeof(T))}': {e.Message}", e);
            }
        }
    }

    public static string TypeName(Type type) => type.FullName ?? type.Name;
}

/// <summary>A value that cannot become an artifact, or an artifact that cannot become a value.</summary>
internal sealed class ArtifactSerializationException(string message, Exception inner) : Exception(message, inner);
