using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Artifacts;

/// <summary>
/// Where steps' inputs and outputs live. Content is streamed in both directions; nothing is
/// buffered whole. Implementations: <see cref="LocalArtifactStore"/> (files), and remote stores.
/// </summary>
public interface IArtifactStore
{
    /// <summary>A location string a step process can open the same store from (for example file:///...).</summary>
    string Location { get; }

    /// <summary>Opens an artifact for reading; throws <see cref="ArtifactNotFoundException"/> when it is missing.</summary>
    Task<Stream> OpenReadAsync(ArtifactKey key, CancellationToken cancellationToken);

    /// <summary>Writes an artifact through <paramref name="write"/>; it becomes visible only when complete.</summary>
    Task WriteAsync(ArtifactKey key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(ArtifactKey key, CancellationToken cancellationToken);
}

/// <summary>An artifact that was expected but is not in the store.</summary>
public sealed class ArtifactNotFoundException(ArtifactKey key, string store)
    : Exception($"Artifact '{key}' is not in the artifact store at {store}.")
{
    public ArtifactKey Key { get; } = key;
}
