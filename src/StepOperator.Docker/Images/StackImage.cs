using System;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Docker;

/// <summary>
/// The program's image for one stack, prepared once however many of the stack's step operators run in it (the
/// docker stack's orchestrator and step operator both do): the build output is hashed, the registry asked and
/// the image built or pushed once per run. A failed preparation is not kept, so the next caller tries again.
/// </summary>
public sealed class StackImage(ImageBuildRequest request)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ImageResult? _result;

    public ImageBuildRequest Request => request;

    public async Task<ImageResult> EnsureAsync(DockerEngine engine, Action<string> log, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _result ??= await new ImageBuilder(engine, log).EnsureImageAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
