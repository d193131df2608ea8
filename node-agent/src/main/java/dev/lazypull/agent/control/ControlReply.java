package dev.lazypull.agent.control;

import com.fasterxml.jackson.databind.JsonNode;

/** The agent's answer: a result, or an error saying what was wrong with the request or why it failed. */
public sealed interface ControlReply {

  record Ok(JsonNode result) implements ControlReply {}

  record Error(String message) implements ControlReply {}
}
