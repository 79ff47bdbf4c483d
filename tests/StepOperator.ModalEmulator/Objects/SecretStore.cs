using System.Collections.Generic;
using System.Linq;
using Grpc.Core;
using StepOperator.ModalEmulator.Common;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Objects;

/// <summary>Secrets (environment variable sets) by id; named ones also by environment and name.</summary>
internal sealed class SecretStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _byId = new();
    private readonly Dictionary<(string Environment, string Name), string> _idsByName = new();

    public string GetOrCreate(SecretGetOrCreateRequest request)
    {
        var values = new Dictionary<string, string>(request.EnvDict);
        var missing = request.RequiredKeys.Where(k => !values.ContainsKey(k)).ToArray();
        var creation = request.ObjectCreationType;
        lock (_gate)
        {
            if (creation is ObjectCreationType.Ephemeral or ObjectCreationType.AnonymousOwnedByApp || string.IsNullOrEmpty(request.DeploymentName))
            {
                if (creation == ObjectCreationType.Unspecified)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "A secret lookup needs deployment_name."));
                }

                RequireKeys(missing);
                var id = Ids.New(Ids.Secret);
                _byId[id] = values;
                return id;
            }

            var key = (EnvironmentNames.Normalize(request.EnvironmentName), request.DeploymentName);
            var exists = _idsByName.TryGetValue(key, out var existing);
            switch (creation)
            {
                case ObjectCreationType.Unspecified when !exists:
                    throw new RpcException(new Status(StatusCode.NotFound, $"Secret '{request.DeploymentName}' not found in environment '{key.Item1}'."));
                case ObjectCreationType.Unspecified:
                    RequireKeys(request.RequiredKeys.Where(k => !_byId[existing!].ContainsKey(k)).ToArray());
                    return existing!;
                case ObjectCreationType.CreateFailIfExists when exists:
                    throw new RpcException(new Status(StatusCode.AlreadyExists, $"Secret '{request.DeploymentName}' already exists in environment '{key.Item1}'."));
                case ObjectCreationType.CreateOverwriteIfExists when exists:
                    RequireKeys(missing);
                    _byId[existing!] = values;
                    return existing!;
                case ObjectCreationType.CreateIfMissing when exists:
                    return existing!;
                default:
                    RequireKeys(missing);
                    var id = Ids.New(Ids.Secret);
                    _byId[id] = values;
                    _idsByName[key] = id;
                    return id;
            }
        }
    }

    public IReadOnlyDictionary<string, string>? Find(string secretId)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(secretId);
        }
    }

    private static void RequireKeys(string[] missing)
    {
        if (missing.Length > 0)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Secret is missing required keys: {string.Join(", ", missing)}."));
        }
    }
}
