using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Artifacts;

namespace StepOperator.Planning;

/// <summary>
/// A store with nothing in it, read by plans in place of one they cannot read (not registered yet, or unavailable):
/// every artifact is missing, and a plan writes nothing.
/// </summary>
internal sealed class EmptyArtifactStore(string location, bool isRemote) : IArtifactStore
{
    public string Location { get; } = location;

    public bool IsRemote { get; } = isRemote;

    public IReadOnlyDictionary<string, string> StepEnvironment { get; } = new Dictionary<string, string>();

    public Task<Stream> OpenReadAsync(ArtifactKey key, CancellationToken cancellationToken) => throw new ArtifactNotFoundException(key, Location);

    public Task WriteAsync(ArtifactKey key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"A plan writes no artifact ('{key}').");

    public Task<bool> ExistsAsync(ArtifactKey key, CancellationToken cancellationToken) => Task.FromResult(false);
}
