using System;
using System.Collections.Generic;
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
    /// <summary>
    /// A location string a step process can open the same store from (file:///..., s3://..., azblob://...).
    /// It never contains a secret: credentials travel in <see cref="StepEnvironment"/>.
    /// </summary>
    string Location { get; }

    /// <summary>True when steps on another machine (a container elsewhere, a Modal sandbox) can reach the store.</summary>
    bool IsRemote { get; }

    /// <summary>
    /// Variables a step process needs to open this store (credentials), given to the step when it
    /// starts; never put in an image, a log or an artifact.
    /// </summary>
    IReadOnlyDictionary<string, string> StepEnvironment { get; }

    /// <summary>Opens an artifact for reading; throws <see cref="ArtifactNotFoundException"/> when it is missing.</summary>
    Task<Stream> OpenReadAsync(ArtifactKey key, CancellationToken cancellationToken);

    /// <summary>Writes an artifact through <paramref name="write"/>; it becomes visible only when complete.</summary>
    Task WriteAsync(ArtifactKey key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(ArtifactKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Checks, before a run starts anything, that the store can be used: reachable, credentials accepted, the
    /// bucket or container there (created when missing, as a first write would). Throws
    /// <see cref="ArtifactStoreUnavailableException"/> naming the problem and the fix.
    /// </summary>
    Task CheckAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>An artifact that was expected but is not in the store.</summary>
public sealed class ArtifactNotFoundException(ArtifactKey key, string store)
    : Exception($"Artifact '{key}' is not in the artifact store at {store}.")
{
    public ArtifactKey Key { get; } = key;
}

/// <summary>A store that has no room for an artifact; the artifact was not written.</summary>
public sealed class ArtifactStoreFullException(string message, Exception inner) : IOException(message, inner);
