/**
 * Custom search attributes every Novaflow workflow carries, so an operator finds all operations of a server,
 * project or host in Temporal Web (e.g. `InstanceUuid = "..."`). One list serves the workflows (typed keys) and
 * the launcher, which registers them on the namespace.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const InstanceUuid = defineSearchAttributeKey('InstanceUuid', SearchAttributeType.KEYWORD);
export const ProjectId = defineSearchAttributeKey('ProjectId', SearchAttributeType.KEYWORD);
export const Host = defineSearchAttributeKey('Host', SearchAttributeType.KEYWORD);
export const Operation = defineSearchAttributeKey('Operation', SearchAttributeType.KEYWORD);
export const RequestId = defineSearchAttributeKey('RequestId', SearchAttributeType.KEYWORD);

export const allSearchAttributes = [InstanceUuid, ProjectId, Host, Operation, RequestId] as const;
